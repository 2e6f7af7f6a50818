"""Anonymised results of survey waves: figures with suppression, for every audience.

Public interface (`surveys.results.service`; DTOs in `surveys.results.model`). Every
entry point is tenant-scoped and raises `NotFoundException` (404) for anything out of
the caller's reach; texts (question texts, labels, `note`s) are in the current language
(`app.i18n.use_language` in a job). Pages, the JSON API, Word reports and CSV/XLSX
exports all call these and show exactly what they return, nothing else:

- `wave_choices(caller) -> list[WaveChoice]`: waves with results the caller may open,
  with the caller's companies in each (every company for program staff).
- `company_results(caller, company_id, wave_id) -> CompanyResults`: a company's results
  (its HR managers; program staff too): response rates (company, its town when shown,
  roster groups), needs ranked by how many share them (and the town's), one
  `QuestionResult` per question with figures [company, town (if any), reporting
  groups…], the predefined cross-tabulations, and the comments.
- `program_results(caller, wave_id) -> ProgramResults`: program staff only: rates of the
  program, towns and companies; needs; heat maps company × area and town × area; one
  `QuestionResult` per question with figures [program, towns…]; comments of the wave.
- `group_needs(caller, wave_id) -> list[tuple[Group, list[Need]]]`: program staff only:
  the shown needs of every town, then every company, cut as the heat maps are (the
  proposals of community/proposals/service.py read them).
- `company_trend(caller, company_id) -> Trend`: rate and needs per wave, oldest first.
- `wave_rates(caller, wave_id) -> list[Rate]`: invited/answered per company and roster
  group (the wave pages' counts, the same cells as the results).
- `get_thresholds(caller)`, `set_thresholds(caller, ThresholdsUpdate) -> Thresholds`
  (program admins raise them; never below 5 and 10).

Reading the DTOs: a `Figure`, `Rate`, `AreaCell` or `Comments` with `hidden` set has
no numbers (None / empty) and says why in `note` ("meno di 5 risposte"); render the
note, never a zero. `Figure.shares` are per option (scale: points "1"–"5"; number: five
ranges), `Figure.rows` per grid row, `Figure.mean` for scale and number; shares are
fractions of `Figure.n`. `QuestionInfo.area_label` names the need area. `Group.kind`
tells program / town / company / group; a reporting group also has `dimension_label`
("Reparto") and `label` ("Produzione"). Charts: `surveys.results.charts` renders any
`QuestionResult` or `HeatMap` as accessible SVG.

How suppression works is in `surveys.results.suppression` and docs/privacy.md.
"""
