"""The civic domain's route handlers, mounted by app.web.create_app()."""

from typing import Any

from civic.activity_api import ActivityController, CivicCenterController
from civic.activity_pages import ActivityPages
from civic.family_api import NoticeController, SchoolFamilyController
from civic.family_pages import FamilyPages, NoticePages
from civic.me_activities import MyActivitiesPage
from civic.referral_api import ReferralController
from civic.referral_pages import FamilyLinkPages, ReferralPages

ROUTES: list[Any] = [ActivityPages, ActivityController, CivicCenterController,
                     ReferralPages, FamilyLinkPages, ReferralController, MyActivitiesPage,
                     FamilyPages, NoticePages, SchoolFamilyController, NoticeController]
