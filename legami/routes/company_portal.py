"""The company portal's route handlers, mounted by app.web.create_app()."""

from typing import Any

from company_portal.onboarding.api import CompanyController
from company_portal.onboarding.pages import CompanyAdminPages, PortalPages
from company_portal.roster.api import RosterController
from company_portal.roster.pages import RosterPages
from company_portal.roster.scim import ScimController

ROUTES: list[Any] = [PortalPages, CompanyAdminPages, CompanyController,
                     RosterPages, RosterController, ScimController]
