"""The surveys domain's route handlers, mounted by app.web.create_app()."""

from typing import Any

from surveys.answering.pages import AnswerPages
from surveys.editor.api import SurveyController
from surveys.editor.pages import SurveyEditorPages
from surveys.reports.api import ReportController
from surveys.reports.pages import ReportPages
from surveys.results.api import ResultsController
from surveys.results.pages import ResultsPages
from surveys.waves.api import WaveController
from surveys.waves.pages import WaveAnswerPages, WavePages

ROUTES: list[Any] = [
    SurveyEditorPages, SurveyController,
    WavePages, WaveAnswerPages, WaveController,
    AnswerPages,
    ResultsPages, ResultsController,
    ReportPages, ReportController,
]
