"""The community domain's route handlers, mounted by app.web.create_app()."""

from typing import Any

from community.initiative_api import (
    InitiativesController,
    MyInitiativesController,
    ParticipationController,
    TaxonomyController,
)
from community.initiative_pages import InitiativePages, ParticipationPages
from community.lab_api import LabController, MyLabController
from community.lab_pages import LabPages, MyLabPages
from community.me_pages import MePages
from community.program_api import ProgramController
from community.program_pages import ProgramPages
from community.proposal_api import ProposalsController
from community.proposal_pages import ProposalPages
from community.taxonomy_pages import TaxonomyPages

ROUTES: list[Any] = [LabPages, MyLabPages, LabController, MyLabController,
                     ProgramPages, ProgramController, ProposalPages, ProposalsController]
ROUTES += [InitiativePages, ParticipationPages, TaxonomyPages, MePages, InitiativesController,
           TaxonomyController, MyInitiativesController, ParticipationController]
