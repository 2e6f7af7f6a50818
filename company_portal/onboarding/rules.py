"""The onboarding wizard's rules, without the database: input checks in plain Italian
(the messages are in the reader's language), step states and what activation needs."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from app.i18n import _
from app.organizations import EMAIL_RE
from app.settings import get_settings
from company_portal.onboarding.schemas import (
    STEP_KEYS,
    IdentityProviderInput,
    IdentityProviderSettings,
    Step,
)

DEFAULT_SCOPES = "openid email profile"
WELL_KNOWN = "/.well-known/openid-configuration"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
CLAIM_RE = re.compile(r"^[A-Za-z0-9_:./-]{1,100}$")
# A scope token as RFC 6749 §3.3 defines it.
SCOPE_RE = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]{1,50}$")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def status_label(status: str) -> str:
    """The company status in the reader's language."""
    return {
        "invited": _("Invited"),
        "configuring": _("Being configured"),
        "active": _("Active"),
        "suspended": _("Suspended"),
    }.get(status, status)


def contact_errors(email: str, hr_name: str, domains: list[str]) -> dict[str, str]:
    errors = {}
    if not EMAIL_RE.match(email):
        errors["hr_email"] = _("Enter the HR contact's e-mail address, like name@company.it.")
    if len(hr_name) > 200:
        errors["hr_name"] = _("The name can be at most 200 characters.")
    if not any(d.strip() for d in domains):
        errors["domains"] = _("Enter at least one verified e-mail domain of the company.")
    return errors


def details_errors(name: str, town: str) -> dict[str, str]:
    errors = {}
    if not name or len(name) > 200:
        errors["name"] = _("Enter a name (at most 200 characters).")
    if len(town) > 100:
        errors["town"] = _("The town can be at most 100 characters.")
    return errors


def issuer_and_discovery(value: str) -> tuple[str, str]:
    """The issuer, and the discovery URL when the person pasted that instead."""
    value = value.strip()
    if value.endswith(WELL_KNOWN):
        return value[: -len(WELL_KNOWN)], value
    return value, ""


def provider_errors(data: IdentityProviderInput, issuer: str, secret: str,
                    has_secret: bool) -> dict[str, str]:
    errors = {}
    problem = _url_problem(issuer)
    if problem:
        errors["issuer"] = problem
    client_id = data.client_id.strip()
    if not client_id or len(client_id) > 255 or CONTROL_RE.search(client_id):
        errors["client_id"] = _("Enter the client ID your identity provider gave Legami "
                                "(at most 255 characters).")
    if not secret and not has_secret:
        errors["client_secret"] = _("Enter the client secret your identity provider gave "
                                    "Legami.")
    elif len(secret) > 1000 or CONTROL_RE.search(secret):
        errors["client_secret"] = _("This client secret is not valid: copy it again from "
                                    "your identity provider.")
    return errors


def _url_problem(issuer: str) -> str | None:
    if not issuer:
        return _("Enter the issuer or the discovery URL of your identity provider, "
                 "like https://login.example.com/realms/company.")
    parts = urlsplit(issuer)
    # Plain http only for a provider on this machine, as in development and the tests.
    loopback = parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
    if parts.scheme != "https" and not (loopback and not get_settings().is_production):
        return _("The issuer must be an https:// address: the provider must be reached "
                 "over an encrypted connection.")
    if (not parts.hostname or parts.query or parts.fragment or parts.username
            or len(issuer) > 500 or CONTROL_RE.search(issuer) or " " in issuer):
        return _("This is not a valid issuer address: copy it from your identity "
                 "provider's settings, without spaces, ? or #.")
    return None


def claim_errors(claim: str, value: str, scope: str) -> dict[str, str]:
    errors = {}
    if claim and not CLAIM_RE.match(claim):
        errors["claim"] = _("Enter the claim's name as your provider sends it, like groups "
                            "or roles (letters, digits and _ : . / - only).")
    if value and not claim:
        errors["claim"] = _("Enter the claim that carries this value, like groups.")
    if claim and not value:
        errors["value"] = _("Enter the value that marks HR managers, like legami-hr.")
    if len(value) > 255 or CONTROL_RE.search(value):
        errors["value"] = _("The value can be at most 255 characters.")
    if scope and (not SCOPE_RE.match(scope) or scope in DEFAULT_SCOPES.split()):
        errors["scope"] = _("Enter one extra scope, like groups, or leave the field empty.")
    return errors


def effective_status(status: str, before_suspension: str) -> str:
    """The status a suspended company had: its steps stay as they were."""
    if status == "suspended" and before_suspension:
        return before_suspension
    return status


def test_result(changed_at: datetime, tested_at: datetime | None, ok: bool) -> str:
    """none, ok, failed, or stale: the settings changed after the last test."""
    # save_provider clears last_test_ok but keeps the old test's time and message.
    if tested_at is None:
        return "none"
    if ok:
        return "ok"
    return "failed" if tested_at >= changed_at else "stale"


def steps(status: str, method: str, provider: IdentityProviderSettings | None,
          roster: int) -> list[Step]:
    """Each step's state for a company with this (effective) status and sign-in method."""
    def done(condition: bool, otherwise: str = "todo") -> str:
        return "done" if condition else otherwise

    if provider is not None:
        test, hr_claim = done(provider.last_test_ok), done(bool(provider.hr_claim), "optional")
    elif method == "links":
        test = hr_claim = "not_needed"
    else:
        test, hr_claim = "todo", "optional"
    states = [done(status != "invited"), done(method != ""), test, hr_claim,
              done(roster > 0), done(status == "active")]
    return [Step(key, number, state)
            for number, (key, state) in enumerate(zip(STEP_KEYS, states, strict=True), 1)]


def missing(status: str, effective: str, method: str,
            provider: IdentityProviderSettings | None, roster: int) -> dict[str, str]:
    """What activation still needs, in plain words; empty when it can go ahead."""
    found = {}
    if status == "suspended":
        found["status"] = _("The company is suspended: the program staff can reactivate it.")
    if effective == "invited":
        found["details"] = _("Confirm the company details (step 1).")
    if method == "":
        found["provider"] = _("Choose how people sign in: through your identity provider "
                              "or with sign-in links by e-mail (step 2).")
    if provider is not None and not provider.last_test_ok:
        found["test"] = _("Test the connection to your identity provider until it "
                          "succeeds (step 3).")
    if roster == 0:
        found["roster"] = _("Add at least one person to the roster (step 5).")
    return found
