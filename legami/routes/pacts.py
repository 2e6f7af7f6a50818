"""The pacts domain's route handlers, mounted by legami.application.create_app()."""

from typing import Any

from pacts.consents.pages import ConsentPages
from pacts.enrolments.pages import EnrolmentPages
from pacts.family.pages import PactLinkPages, PrintPages
from pacts.figures.api import PactFiguresController
from pacts.notes.pages import NotePages
from pacts.pacts.api import PactController
from pacts.pacts.pages import PactPages
from pacts.reviews.pages import ReviewPages
from pacts.teams.api import TeamController
from pacts.teams.pages import TeamPages

ROUTES: list[Any] = [PactPages, PactController, ReviewPages, NotePages, ConsentPages,
                     EnrolmentPages, PactLinkPages, PrintPages, PactFiguresController, TeamPages,
                     TeamController]
