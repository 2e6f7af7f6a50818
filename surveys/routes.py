"""The surveys domain's route handlers, mounted by app.web.create_app()."""

from typing import Any

from surveys.answer_pages import AnswerPages
from surveys.editor_api import SurveyController
from surveys.editor_pages import SurveyEditorPages
from surveys.reports.api import ReportController
from surveys.reports.pages import ReportPages
from surveys.results.api import ResultsController
from surveys.results.pages import ResultsPages
from surveys.wave_api import WaveController
from surveys.wave_pages import WaveAnswerPages, WavePages

ROUTES: list[Any] = [
    SurveyEditorPages, SurveyController,
    WavePages, WaveAnswerPages, WaveController,
    AnswerPages,
    ResultsPages, ResultsController,
    ReportPages, ReportController,
]
