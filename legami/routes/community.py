"""The community domain's route handlers, mounted by app.web.create_app()."""

from typing import Any

from community.initiatives.api import (
    InitiativesController,
    MyInitiativesController,
    ParticipationController,
    TaxonomyController,
)
from community.initiatives.pages import InitiativePages, ParticipationPages
from community.labs.api import LabController, MyLabController
from community.labs.pages import LabPages, MyLabPages
from community.me.pages import MePages
from community.program.api import ProgramController
from community.program.pages import ProgramPages
from community.proposals.api import ProposalsController
from community.proposals.pages import ProposalPages
from community.taxonomy.pages import TaxonomyPages

ROUTES: list[Any] = [LabPages, MyLabPages, LabController, MyLabController,
                     ProgramPages, ProgramController, ProposalPages, ProposalsController]
ROUTES += [InitiativePages, ParticipationPages, TaxonomyPages, MePages, InitiativesController,
           TaxonomyController, MyInitiativesController, ParticipationController]
