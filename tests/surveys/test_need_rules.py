"""Each question says which answers mean a need; the needs ranking counts only those.

The dashboard, the Word report, the exports and the heat maps all rank the needs of
`surveys.results.figures.needs`, so what it counts is what they show.
"""

from __future__ import annotations

import pytest

from surveys import bank
from surveys.bank import need_answers
from surveys.definition import Option, Question, decode, encode, problems, questions
from surveys.results.figures import needs
from surveys.results.model import Figure, Group, Share

EVERY_OPTION_BUT_NOTHING = "every option but nothing"
# The ready survey's questions and the answers that mean a need, as program staff read them.
EXPECTED: dict[str, tuple[str, ...] | str] = {
    "household": (),  # who you live with describes, it is no need
    "has_children_u14": (),
    "children_u14_count": (),
    "cares_for_relative": (),
    "work_schedule": (),
    "balance_grid": (),
    "flexibility_wishes": EVERY_OPTION_BUT_NOTHING,
    "remote_possible": (),
    "childcare_needs": EVERY_OPTION_BUT_NOTHING,
    "school_closure_difficulty": ("4", "5"),  # 4 Molto difficile, 5 Difficilissimo
    "care_hours": (),
    "care_support": EVERY_OPTION_BUT_NOTHING,
    "commute_minutes": (),
    "commute_mode": (),  # on foot, by bike, by car: a way to come, not a need
    "commute_wishes": EVERY_OPTION_BUT_NOTHING,
    "time_saving_services": EVERY_OPTION_BUT_NOTHING,
    "household_costs_worry": ("4", "5"),  # 4 Molto, 5 Moltissimo
    "finance_help": EVERY_OPTION_BUT_NOTHING,
    "housing_issues": EVERY_OPTION_BUT_NOTHING,
    "wellbeing": ("1", "2"),  # 1 Molto male, 2 Male: 4–5 is feeling well
    "health_wishes": EVERY_OPTION_BUT_NOTHING,
    "help_nearby": ("rarely",),  # nobody to turn to
    "meet_people": ("yes",),
    "ideas": (),
    "join_lab": (),
    "join_initiative": EVERY_OPTION_BUT_NOTHING,
}
READY = {question.key: question for question in questions(bank.ready_survey())}
GROUP = Group(kind="program", key="program", label="Programma")


def test_every_question_of_the_ready_survey_has_its_rule_checked() -> None:
    assert set(READY) == set(EXPECTED)
    assert all(question.need is not None for question in READY.values())


@pytest.mark.parametrize("key", list(EXPECTED))
def test_the_ready_survey_says_which_answers_mean_a_need(key: str) -> None:
    question = READY[key]
    expected = EXPECTED[key]
    if expected == EVERY_OPTION_BUT_NOTHING:
        expected = tuple(o.key for o in question.options if o.key not in ("nothing", "none"))
        assert len(expected) == len(question.options) - 1, key
    assert need_answers(question) == expected


def test_a_survey_saved_before_the_rules_takes_the_banks() -> None:
    ready = encode(bank.ready_survey())
    for section in ready["sections"]:
        for question in section["questions"]:
            question.pop("need")
    old = {q.key: q for q in questions(decode(ready))}
    assert {key: need_answers(q) for key, q in old.items()} == {
        key: need_answers(q) for key, q in READY.items()}


def _scale(counts: list[int]) -> Figure:
    return Figure(GROUP, n=sum(counts), shares=[
        Share(str(point), str(point), count, count / sum(counts))
        for point, count in enumerate(counts, start=1)])


def test_feeling_bad_is_the_health_need_and_feeling_well_is_not() -> None:
    # 100 answers: 26 very bad, 20 bad, 18 so-so, 20 well, 16 very well.
    found = needs([READY["wellbeing"]], {"wellbeing": _scale([26, 20, 18, 20, 16])},
                  bank.areas(), "it")
    assert [(n.question, n.option, n.count, n.n) for n in found] == [
        ("wellbeing", "1-2", 46, 100)]


def test_ways_of_coming_to_work_are_no_needs_and_wishes_are() -> None:
    def multiple(key: str, counts: dict[str, int]) -> Figure:
        return Figure(GROUP, n=40, shares=[Share(k, k, c, c / 40) for k, c in counts.items()])

    found = needs([READY["commute_mode"], READY["commute_wishes"]], {
        "commute_mode": multiple("commute_mode", {"car_alone": 30, "bike": 6, "walk": 4}),
        "commute_wishes": multiple("commute_wishes", {"shuttle": 12, "nothing": 20}),
    }, bank.areas(), "it")
    assert [(n.question, n.option, n.count) for n in found] == [
        ("commute_wishes", "shuttle", 12)]


def test_a_single_choice_need_names_its_question() -> None:
    figure = Figure(GROUP, n=20, shares=[Share("often", "Sì, quasi sempre", 12, 0.6),
                                         Share("sometimes", "A volte", 3, 0.15),
                                         Share("rarely", "Raramente o mai", 5, 0.25)])
    [found] = needs([READY["help_nearby"]], {"help_nearby": figure}, bank.areas(), "it")
    assert (found.option, found.count) == ("rarely", 5)
    assert found.label.endswith("Raramente o mai") and found.label.startswith("Se hai")


def test_a_need_must_be_one_of_the_answers() -> None:
    question = Question(key="mood", type="single", text={"it": "Umore?"}, need=["sad"],
                        options=[Option("ok", {"it": "Bene"}), Option("ko", {"it": "Male"})])
    survey = bank.blank_survey()
    survey.sections[0].questions.append(question)
    assert "need" in " ".join(problems(survey))
