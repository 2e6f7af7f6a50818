"""The surveys domain's route handlers, mounted by app.web.create_app()."""

from typing import Any

ROUTES: list[Any] = []

from surveys.wave_api import WaveController  # noqa: E402
from surveys.wave_pages import WaveAnswerPages, WavePages  # noqa: E402

ROUTES += [WavePages, WaveAnswerPages, WaveController]

from surveys.answer_pages import AnswerPages  # noqa: E402

ROUTES += [AnswerPages]

from surveys.editor_api import SurveyController  # noqa: E402
from surveys.editor_pages import SurveyEditorPages  # noqa: E402

ROUTES += [SurveyEditorPages, SurveyController]

from surveys.reports.api import ReportController  # noqa: E402
from surveys.reports.pages import ReportPages  # noqa: E402

ROUTES += [ReportPages, ReportController]

from surveys.results.api import ResultsController  # noqa: E402
from surveys.results.pages import ResultsPages  # noqa: E402

ROUTES += [ResultsPages, ResultsController]
