"""`legami company …`: company onboarding from the shell, for program staff."""

import asyncio
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import click
from litestar.exceptions import NotFoundException

from app.bootstrap import SYSTEM
from app.errors import InvalidInput
from app.i18n import _
from app.settings import get_settings
from company_portal.onboarding import service as onboarding
from company_portal.onboarding.schemas import (
    CompanyDetails,
    HrClaimInput,
    IdentityProviderInput,
    WizardState,
)
from company_portal.roster import service as roster

T = TypeVar("T")


@click.group(help="Company onboarding: add companies, configure sign-in, import rosters.")
def company() -> None:
    pass


def _friendly(command: Callable[..., Any]) -> Callable[..., Any]:
    # Imported late: app.cli imports this module once its own commands exist.
    from app.commands import friendly

    return friendly(command)


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run one service call as the system; an unknown company id is an input error."""
    try:
        return asyncio.run(coroutine)
    except NotFoundException:
        raise InvalidInput({"organization_id": _("No company with this id.")}) from None


@company.command("add", help="Invite a company: it starts as invited, and its HR contact "
                             "is mailed the link to the onboarding wizard.")
@click.option("--name", required=True, help="Name as people know it.")
@click.option("--town", default="", help="Town, e.g. Crema.")
@click.option("--domain", "domains", multiple=True, help="Verified e-mail domain (repeatable).")
@click.option("--hr-email", required=True, help="E-mail address of the HR contact.")
@click.option("--hr-name", default="", help="Full name of the HR contact.")
@_friendly
def add(name: str, town: str, domains: tuple[str, ...], hr_email: str, hr_name: str) -> None:
    created = _run(onboarding.invite_company(SYSTEM, name, town, list(domains), hr_email,
                                             hr_name))
    click.echo(f"legami: company {created.name} invited (id {created.id}); the onboarding "
               f"link is on its way to {hr_email.strip().lower()}")


@company.command("details", help="Confirm or change a company's name and town (the "
                                 "onboarding's first step: an invited company moves to "
                                 "configuring).")
@click.argument("organization_id", type=click.UUID)
@click.option("--name", default=None, help="New name (default: keep it).")
@click.option("--town", default=None, help="New town (default: keep it).")
@_friendly
def details(organization_id: UUID, name: str | None, town: str | None) -> None:
    state = _run(_confirm_details(organization_id, name, town))
    click.echo(f"legami: details of {state.company.name} confirmed ({state.company.town}); "
               f"status {state.company.status}")


async def _confirm_details(organization_id: UUID, name: str | None,
                           town: str | None) -> WizardState:
    current = await onboarding.get_company(SYSTEM, organization_id)
    data = CompanyDetails(name=current.name if name is None else name,
                          town=current.town if town is None else town)
    return await onboarding.update_details(SYSTEM, organization_id, data)


@company.command("sso", help="Configure sign-in through the company's OpenID Connect "
                             "provider, or with --signin-links choose links by e-mail.")
@click.argument("organization_id", type=click.UUID)
@click.option("--issuer", default="", help="Issuer or discovery URL of the provider.")
@click.option("--client-id", default="", help="Client ID the provider gave Legami.")
@click.option("--client-secret-stdin", is_flag=True,
              help="Read the client secret from standard input (preferred).")
@click.option("--client-secret", default="",
              help="The client secret (visible in the process list: prefer stdin).")
@click.option("--hr-claim", default="", help="Claim that marks HR managers, e.g. groups.")
@click.option("--hr-claim-value", default="", help="Its value for HR managers, e.g. legami-hr.")
@click.option("--hr-claim-scope", default="", help="Extra scope the claim needs, e.g. groups.")
@click.option("--signin-links", is_flag=True,
              help="No identity provider: people sign in with links by e-mail.")
@_friendly
def sso(organization_id: UUID, issuer: str, client_id: str, client_secret_stdin: bool,
        client_secret: str, hr_claim: str, hr_claim_value: str, hr_claim_scope: str,
        signin_links: bool) -> None:
    if client_secret and client_secret_stdin:
        raise click.UsageError("use --client-secret or --client-secret-stdin, not both")
    if signin_links:
        _run(onboarding.choose_signin_links(SYSTEM, organization_id))
        click.echo(f"legami: company {organization_id} signs in with links by e-mail")
        return
    secret = sys.stdin.read().strip() if client_secret_stdin else client_secret
    provider = IdentityProviderInput(issuer=issuer, client_id=client_id, client_secret=secret)
    claim = HrClaimInput(claim=hr_claim, value=hr_claim_value, scope=hr_claim_scope)
    state = _run(_configure_sso(organization_id, provider, claim))
    click.echo(f"legami: identity provider saved for {state.company.name}; register the "
               f"redirect URI {state.redirect_uri} with scopes '{state.scopes}', then test "
               f"the connection at {get_settings().base_url}/portal/{organization_id}"
               f"/onboarding/test")


async def _configure_sso(organization_id: UUID, provider: IdentityProviderInput,
                         claim: HrClaimInput) -> WizardState:
    state = await onboarding.save_identity_provider(SYSTEM, organization_id, provider)
    if claim.claim or claim.value:
        state = await onboarding.save_hr_claim(SYSTEM, organization_id, claim)
    return state


@company.command("activate", help="Activate a company once its onboarding is complete.")
@click.argument("organization_id", type=click.UUID)
@_friendly
def activate(organization_id: UUID) -> None:
    state = _run(onboarding.activate(SYSTEM, organization_id))
    click.echo(f"legami: company {state.company.name} is active")


@company.command("suspend", help="Suspend a company: its people can no longer use Legami.")
@click.argument("organization_id", type=click.UUID)
@_friendly
def suspend(organization_id: UUID) -> None:
    state = _run(onboarding.suspend(SYSTEM, organization_id))
    click.echo(f"legami: company {state.company.name} is suspended")


@company.command("reactivate", help="Lift a company's suspension.")
@click.argument("organization_id", type=click.UUID)
@_friendly
def reactivate(organization_id: UUID) -> None:
    state = _run(onboarding.reactivate(SYSTEM, organization_id))
    click.echo(f"legami: company {state.company.name} is {state.company.status} again")


@company.command("list", help="List companies with their onboarding status.")
@_friendly
def list_companies() -> None:
    for row in _run(onboarding.list_companies(SYSTEM)):
        click.echo(f"{row.id}  {row.status:<11} {row.name} ({row.town}) "
                   f"{' '.join(row.domains)}")


@company.command("import-roster", help="Import a roster CSV file: shows what it would change "
                                       "and the row-by-row report, and writes only a file "
                                       "without problems.")
@click.argument("organization_id", type=click.UUID)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--confirm", is_flag=True,
              help="Confirm an import that deactivates more than 40% of the roster.")
@_friendly
def import_roster(organization_id: UUID, file: Path, confirm: bool) -> None:
    preview = _run(roster.preview_import(SYSTEM, organization_id, file.name, file.read_bytes()))
    click.echo(f"legami: {file.name}: {preview.rows} rows ({preview.encoding}, "
               f"separator {preview.delimiter!r})")
    for problem in preview.problems:
        click.echo(f"{_('Line')} {problem.line}, {problem.column}: {problem.problem}", err=True)
    if preview.status == "invalid":
        raise InvalidInput({"file": _("The file has problems: correct them and upload it "
                                      "again. Nothing has been changed.")})
    click.echo(f"legami: to add {preview.add}, to update {preview.update}, to deactivate "
               f"{preview.deactivate}, unchanged {preview.unchanged}")
    if preview.needs_confirmation and not confirm:
        raise InvalidInput({"confirm": _(
            "This import would deactivate {count} of the {total} people on the roster; run it "
            "again with --confirm if that is right.").format(count=preview.deactivate,
                                                             total=preview.active_before)})
    _run(roster.apply_import(SYSTEM, organization_id, preview.id, confirm_deactivation=confirm))
    click.echo("legami: roster updated")


@company.command("scim-token", help="Create a SCIM bearer token for the company's identity "
                                    "provider; it is shown only once.")
@click.argument("organization_id", type=click.UUID)
@_friendly
def scim_token(organization_id: UUID) -> None:
    token = _run(roster.create_scim_token(SYSTEM, organization_id))
    click.echo(f"legami: SCIM address: {token.scim_url}")
    click.echo(f"legami: SCIM token (shown only now, keep it secret): {token.token}")
