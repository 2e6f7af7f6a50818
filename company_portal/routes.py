"""The company portal's route handlers, mounted by app.web.create_app()."""

from typing import Any

from company_portal.onboarding_api import CompanyController
from company_portal.onboarding_pages import CompanyAdminPages, PortalPages
from company_portal.roster_api import RosterController
from company_portal.roster_pages import RosterPages
from company_portal.scim_api import ScimController

ROUTES: list[Any] = [PortalPages, CompanyAdminPages, CompanyController,
                     RosterPages, RosterController, ScimController]
