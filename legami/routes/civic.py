"""The civic domain's route handlers, mounted by app.web.create_app()."""

from typing import Any

from civic.activities.api import ActivityController, CivicCenterController
from civic.activities.pages import ActivityPages, HolidayPages
from civic.families.api import NoticeController, SchoolFamilyController
from civic.families.pages import FamilyPages, NoticePages
from civic.me.pages import MyActivitiesPage
from civic.referrals.api import ReferralController
from civic.referrals.pages import FamilyLinkPages, ReferralPages

ROUTES: list[Any] = [ActivityPages, HolidayPages, ActivityController, CivicCenterController,
                     ReferralPages, FamilyLinkPages, ReferralController, MyActivitiesPage,
                     FamilyPages, NoticePages, SchoolFamilyController, NoticeController]
