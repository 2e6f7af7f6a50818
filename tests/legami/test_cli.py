"""The `legami` command: each subcommand does its job or says clearly why not."""

from __future__ import annotations

import asyncio

import pytest
from click.testing import CliRunner

from app.tables import Membership, Organization, OrganizationDomain, User
from legami.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def count(table, *where) -> int:
    query = table.count()
    for condition in where:
        query = query.where(condition)
    return asyncio.run(query.run())


@pytest.mark.parametrize("command", ["serve", "worker", "migrate", "seed-demo", "create-admin",
                                     "org"])
def test_help_explains_each_command(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Usage: main " + command in result.output or "Usage: main" in result.output
    assert len(result.output.splitlines()) > 3


def test_migrate_says_the_database_is_up_to_date() -> None:
    result = run("migrate")
    assert result.exit_code == 0 and "database up to date" in result.output


def test_create_admin_makes_a_program_admin_once() -> None:
    for _ in range(2):
        result = run("create-admin", "Paola@FareLegami.example", "--name", "Paola")
        assert result.exit_code == 0, result.output
    assert count(User, User.email == "paola@farelegami.example") == 1
    assert count(Membership, Membership.role == "program_admin") == 1
    assert count(Organization, Organization.kind == "program") == 1


def test_create_admin_refuses_a_bad_address() -> None:
    result = CliRunner().invoke(main, ["create-admin", "not-an-address"])
    assert result.exit_code == 2
    assert "email:" in result.output
    assert count(User) == 0


def test_org_add_creates_an_organization_with_domains() -> None:
    result = run("org", "add", "--kind", "company", "--name", "Officine Rossi", "--town", "Crema",
                 "--domain", "rossi.example", "--domain", "rossi-group.example")
    assert result.exit_code == 0, result.output
    assert "Officine Rossi" in result.output
    assert count(OrganizationDomain) == 2
    listed = run("org", "list")
    assert "Officine Rossi" in listed.output and "company" in listed.output


def test_org_add_refuses_a_bad_domain_and_writes_nothing() -> None:
    result = CliRunner().invoke(main, ["org", "add", "--kind", "school", "--name", "IC Uno",
                                       "--domain", "not a domain"])
    assert result.exit_code == 2
    assert "domains:" in result.output
    assert count(Organization) == 0


def test_seed_demo_reports_the_program_numbers_and_is_repeatable() -> None:
    first = run("seed-demo")
    second = run("seed-demo")
    assert first.exit_code == 0 and second.exit_code == 0
    assert "companies 15" in first.output and "pupils 1500" in first.output
    assert count(Organization, Organization.kind == "company") == 15
    assert first.output == second.output  # nothing added, the survey responses included
    asyncio.run(_an_hr_manager_reads_the_demo_results())


async def _an_hr_manager_reads_the_demo_results() -> None:
    """The demo shows the product: two closed waves whose results HR can read, with
    figures shown, small groups hidden with their reason, and nothing left to send."""
    from app.auth.caller import load_caller
    from app.tables import OutboxJob
    from surveys.results.service import company_results
    from surveys.tables import Response, Wave

    waves = await Wave.select(Wave.id, Wave.status, Wave.opened_at).order_by(Wave.opened_at)
    assert [wave["status"] for wave in waves] == ["closed", "closed"]
    assert await Response.count() > 600
    assert not await OutboxJob.exists().where((OutboxJob.status == "pending")
                                              & OutboxJob.actor.like("surveys.%"))
    hr = await Membership.select(Membership.user, Membership.organization).where(
        Membership.role == "hr_manager").first()
    caller = await load_caller(hr["user"])
    assert caller is not None
    results = await company_results(caller, hr["organization"], waves[-1]["id"])
    company = results.rates[0]
    assert company.answered and company.answered >= 5
    assert any(rate.hidden for rate in results.rates[1:])  # a small department, and why
    assert any(not figure.hidden for question in results.questions
               for figure in question.figures)
    await _the_funder_report_counts_the_spring_wave_in_its_half_year()
    await _the_demo_sessions_skip_the_school_breaks()


async def _the_demo_sessions_skip_the_school_breaks() -> None:
    """The demo's school year has its Christmas and Easter breaks (the Lombardy rule), so
    a weekly activity's calendar skips them; a summer camp only the national holidays."""
    from datetime import date

    from civic.activities.holidays import closed_days

    closed = await closed_days(date(2026, 12, 21), date(2027, 4, 2))
    assert date(2026, 12, 28) in closed and date(2027, 3, 25) in closed
    assert date(2026, 12, 21) not in closed and date(2027, 3, 31) not in closed
    summer = await closed_days(date(2026, 12, 21), date(2027, 4, 2), "summer_camp")
    assert date(2026, 12, 28) not in summer and date(2026, 12, 25) in summer


async def _the_funder_report_counts_the_spring_wave_in_its_half_year() -> None:
    """The partners answered in March: the first half-year's report counts them (it
    showed 0 companies and 0 workers, as if they had joined in December)."""
    from app.auth.caller import load_caller
    from community.program.halfyear import live
    from community.program.service import Period

    admin = await Membership.select(Membership.user).where(
        Membership.role == "program_admin").first()
    caller = await load_caller(admin["user"])
    assert caller is not None
    spring = (await live(caller, Period(2026, 1))).current
    assert spring["companies_took_part"] == 15
    assert (spring["workers_answered"] or 0) >= 100


def test_jobs_retry_runs_failed_jobs_again() -> None:
    from app.tables import OutboxJob

    async def failed() -> int:
        job = OutboxJob(actor="mail.send", status="failed", attempts=6, last_error="SMTP down")
        await job.save()
        return int(job.id)

    job_id = asyncio.run(failed())
    listed = run("jobs", "list")
    assert "failed 1" in listed.output and "SMTP down" in listed.output
    assert CliRunner().invoke(main, ["jobs", "retry"]).exit_code == 2

    result = run("jobs", "retry", str(job_id))

    assert result.exit_code == 0 and f"1 jobs queued again: {job_id}" in result.output
    assert count(OutboxJob, OutboxJob.status == "pending") == 1
