"""The program admin creates organizations and invites their members."""

from __future__ import annotations

import pytest

from app.tables import AuditEvent, Membership, OrganizationDomain, OutboxJob, User
from tests.factories import api_post, make_org, make_user, post_form, sign_in


@pytest.fixture
async def admin(client):
    program = await make_org(kind="program", name="FareLegami", town="Cremona")
    user = await make_user("admin@farelegami.example", program, "program_admin", "Paola")
    await sign_in(client, user)
    return user


async def test_admin_creates_a_company_with_its_domains_from_the_page(client, admin) -> None:
    response = await post_form(client, "/admin/organizations", {
        "kind": "company", "name": "Latteria Soresina Demo", "town": "Soresina",
        "domains": "latteria.example, Latteria-Group.example"}, page="/admin/organizations")
    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    assert "Latteria Soresina Demo" in page.text
    domains = await OrganizationDomain.select(OrganizationDomain.domain)
    assert sorted(d["domain"] for d in domains) == ["latteria-group.example", "latteria.example"]
    assert await AuditEvent.exists().where(AuditEvent.action == "organization.created")


async def test_bad_organization_input_is_explained_and_nothing_is_written(client, admin) -> None:
    response = await post_form(client, "/admin/organizations", {
        "kind": "company", "name": "", "domains": "not a domain"}, page="/admin/organizations")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "Inserisci un nome" in response.text
    assert "not" in response.text and 'aria-invalid="true"' in response.text
    assert await OrganizationDomain.count() == 0


async def test_a_domain_belongs_to_one_organization_only(client, admin) -> None:
    await make_org(name="Officine Rossi", domains=("rossi.example",))
    response = await api_post(client, "/api/v1/organizations",
                              {"kind": "company", "name": "Copia", "domains": ["rossi.example"]})
    assert response.status_code == 422
    assert "rossi.example" in response.json()["errors"]["domains"]


async def test_admin_invites_an_hr_manager_who_gets_a_mail_job(client, admin) -> None:
    rossi = await make_org(name="Officine Rossi")
    response = await api_post(client, f"/api/v1/organizations/{rossi}/members",
                              {"email": "Laura@Rossi.example", "role": "hr_manager",
                               "name": "Laura"})
    assert response.status_code == 201
    assert response.json()["email"] == "laura@rossi.example"
    user = await User.objects().where(User.email == "laura@rossi.example").first()
    assert await Membership.exists().where(
        (Membership.user == user.id) & (Membership.role == "hr_manager"))
    jobs = await OutboxJob.select(OutboxJob.actor, OutboxJob.payload)
    assert [job["actor"] for job in jobs] == ["mail.send"]
    members = (await client.get(f"/api/v1/organizations/{rossi}/members")).json()
    assert [m["email"] for m in members] == ["laura@rossi.example"]


async def test_a_role_that_does_not_fit_the_organization_is_refused(client, admin) -> None:
    school = await make_org(kind="school", name="IC Cremona Due")
    response = await api_post(client, f"/api/v1/organizations/{school}/members",
                              {"email": "x@scuola.example", "role": "hr_manager"})
    assert response.status_code == 422
    assert "role" in response.json()["errors"]
    assert await Membership.count() == 1  # only the admin's


async def test_malformed_api_body_answers_422_in_the_users_language(client, admin) -> None:
    response = await api_post(client, "/api/v1/organizations", {"nome": "x"})
    assert response.status_code == 422
    assert response.json()["title"] == "Controlla i dati inseriti"


async def test_failed_jobs_are_listed_for_the_admin(client, admin) -> None:
    await OutboxJob(actor="mail.send", status="failed", attempts=6,
                    last_error="SMTPServerDisconnected: Connection unexpectedly closed").save()
    page = await client.get("/admin/jobs")
    assert "SMTPServerDisconnected" in page.text
    api = (await client.get("/api/v1/jobs/failed")).json()
    assert api[0]["attempts"] == 6


async def test_jobs_page_and_api_tell_waiting_work_from_everything_delivered(client, admin) -> None:
    await OutboxJob(actor="surveys.wave_mail", status="pending").save()
    await OutboxJob(actor="surveys.wave_mail", status="running").save()

    page = await client.get("/admin/jobs")
    assert "consegnato tutto" not in page.text and "ancora in corso" in page.text
    overview = (await client.get("/api/v1/jobs")).json()
    assert (overview["waiting"], overview["running"], overview["failed"]) == (1, 1, 0)

    await OutboxJob.delete(force=True)
    page = await client.get("/admin/jobs")
    assert "consegnato tutto" in page.text


async def test_a_failed_job_is_tried_again_from_the_page_and_the_api(client, admin) -> None:
    first = OutboxJob(actor="mail.send", status="failed", attempts=6, last_error="SMTP down")
    second = OutboxJob(actor="mail.send", status="failed", attempts=6, last_error="SMTP down")
    await first.save()
    await second.save()

    response = await post_form(client, "/admin/jobs/retry", {"job": str(first.id)},
                               page="/admin/jobs")
    assert response.status_code == 303
    rows = await OutboxJob.select(OutboxJob.id, OutboxJob.status, OutboxJob.attempts).order_by(
        OutboxJob.id)
    assert [(r["status"], r["attempts"]) for r in rows] == [("pending", 0), ("failed", 6)]

    queued = await api_post(client, "/api/v1/jobs/retry", {})
    assert queued.status_code == 200 and queued.json() == {"queued": [second.id]}
    assert await AuditEvent.count().where(AuditEvent.action == "jobs.retried") == 2


@pytest.mark.parametrize("ids", [[2**63], [0], [-1]])
async def test_retrying_a_job_id_no_database_can_hold_is_invalid_input(client, admin,
                                                                       ids) -> None:
    """2**63 made SQLite overflow: a 500 (found by schemathesis, issue 12)."""
    response = await api_post(client, "/api/v1/jobs/retry", {"ids": ids})
    assert response.status_code == 422, response.text
    assert "ids" in str(response.json()["errors"])


async def test_a_nul_character_in_a_json_body_is_dropped_on_both_databases(client,
                                                                            admin) -> None:
    """PostgreSQL refused it in the name: a 500 (found by schemathesis, issue 12)."""
    response = await api_post(client, "/api/v1/organizations", {
        "kind": "company", "name": "Officine\u0000 Rossi", "town": "Crema\u0000"})
    assert response.status_code == 201, response.text
    assert (response.json()["name"], response.json()["town"]) == ("Officine Rossi", "Crema")
