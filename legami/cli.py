"""The `legami` command."""

from __future__ import annotations

import asyncio
from typing import Any

import click

import legami.jobs  # noqa: F401  (registers every job)
from app.commands import friendly
from app.settings import ConfigError, get_settings


@click.group(help="Legami: needs surveys, anonymised results and community action "
                  "for the FareLegami network.")
def main() -> None:
    pass


@main.command(help="Serve the web application (PORT, default 8000). With the embedded "
                   "broker, jobs run in this process.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=None, help="Port (default: PORT or 8000).")
@click.option("--workers", type=int, default=1, show_default=True,
              help="Web processes (only with PostgreSQL and a Redis or RabbitMQ broker).")
@friendly
def serve(host: str, port: int | None, workers: int) -> None:
    import uvicorn

    from app.startup import check_database, smtp_problem

    settings = get_settings()
    if workers > 1 and (settings.broker_kind == "embedded" or settings.db_engine == "sqlite"):
        raise ConfigError("--workers > 1 needs PostgreSQL (DATABASE_URL) and a Redis or "
                          "RabbitMQ broker (BROKER_URL)")
    asyncio.run(check_database())
    if problem := smtp_problem(settings):
        click.echo(f"legami: {problem}", err=True)  # not fatal: mail waits in its jobs
    uvicorn.run("legami.application:create_app", factory=True, host=host,
                port=port or settings.port, workers=workers,
                # X-Forwarded-For is read by app.web.context.client_ip, from
                # TRUSTED_PROXIES only; uvicorn's own would trust 127.0.0.1.
                proxy_headers=False,
                log_level="info")


@main.command(help="Start a job worker (needs BROKER_URL redis://… or amqp://…).")
@click.option("--threads", type=int, default=4, show_default=True, help="Worker threads.")
@friendly
def worker(threads: int) -> None:
    from legami import logs
    from worker.main import run_worker

    logs.install()
    run_worker(threads)


@main.command(help="Apply database migrations (SQLite file or PostgreSQL).")
@friendly
def migrate() -> None:
    from app.migrate import migrate as run

    asyncio.run(run())
    click.echo(f"legami: database up to date ({get_settings().db_engine})")


@main.command("seed-demo", help="Create the fictional demo program (safe to run again).")
@friendly
def seed_demo() -> None:
    from legami.demo.domains import seed_demo_domains
    from legami.demo.seed import seed_demo as run

    async def both() -> dict[str, int]:
        return {**await run(), **await seed_demo_domains()}

    counts = asyncio.run(both())
    click.echo("legami: demo program ready: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@main.command("create-admin", help="Create a program administrator (or grant the role).")
@click.argument("email")
@click.option("--name", default="", help="Full name.")
@friendly
def create_admin(email: str, name: str) -> None:
    from app.bootstrap import create_admin as run

    asyncio.run(run(email, name))
    click.echo(f"legami: {email} is a program administrator; sign in at "
               f"{get_settings().base_url}/signin")


@main.group(help="Manage organizations.")
def org() -> None:
    pass


@org.command("add", help="Add an organization: company, school, civic_center or program.")
@click.option("--kind", required=True,
              type=click.Choice(["company", "school", "civic_center", "program"]))
@click.option("--name", required=True, help="Name as people know it.")
@click.option("--town", default="", help="Town, e.g. Crema.")
@click.option("--domain", "domains", multiple=True, help="Verified e-mail domain (repeatable).")
@friendly
def org_add(kind: str, name: str, town: str, domains: tuple[str, ...]) -> None:
    from app.bootstrap import add_organization

    org_id = asyncio.run(add_organization(kind, name, town, list(domains)))
    click.echo(f"legami: organization {name} created ({kind}, id {org_id})")


@org.command("list", help="List organizations.")
@friendly
def org_list() -> None:
    from app.bootstrap import list_organizations

    for row in asyncio.run(list_organizations()):
        click.echo(f"{row.id}  {row.kind:<13} {row.name} ({row.town})")


@main.group(help="Jobs: what is waiting, what keeps failing, and running it again.")
def jobs() -> None:
    pass


@jobs.command("list", help="Count the jobs waiting and running; list those that failed.")
@friendly
def jobs_list() -> None:
    from app.outbox import failed_jobs, job_counts

    async def both() -> tuple[dict[str, int], list[dict[str, Any]]]:
        return await job_counts(), await failed_jobs()

    counts, failed = asyncio.run(both())
    click.echo("legami: jobs " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    for row in failed:
        click.echo(f"{row['id']}  {row['actor']}  attempts {row['attempts']}  "
                   f"{row['last_error']}")


@jobs.command("retry", help="Run failed jobs again (the given ids, or all with --all), "
                            "once their cause is fixed.")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "every", is_flag=True, help="Every failed job.")
@friendly
def jobs_retry(ids: tuple[int, ...], every: bool) -> None:
    from app.errors import InvalidInput
    from app.outbox import retry_jobs

    if not ids and not every:
        raise InvalidInput({"ids": "name the jobs to run again, or use --all"})
    queued = asyncio.run(retry_jobs(None, None if every else list(ids)))
    click.echo(f"legami: {len(queued)} jobs queued again"
               + (f": {', '.join(map(str, queued))}" if queued else ""))


def _register_domain_commands() -> None:
    from company_portal.onboarding.cli import company

    main.add_command(company)


_register_domain_commands()
