"""The program's logical framework: its general objective, five strategies with their
expected results and targets (DOMAIN.md), and the indicators that measure them, each
with how it is computed and where it can be verified.

"Involved" means took part: answered a needs survey, joined an initiative or a Civic
Center activity, attended a lab meeting or a session, accepted a pact. A roster row or
an organization's active status is context, never participation. A count of people
from 1 to 4 is None ("fewer than 5", `app.figures.shown`); the pacts' figures come
thresholded and rounded from `pacts.figures`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from app.i18n import _
from community.program.service import TARGETS

COUNT, PERCENT, UNRECORDED, CONTEXT = "count", "percent", "unrecorded", "context"
# The targets of the fifth strategy (DOMAIN.md), which the dashboard does not follow.
TRAINING_TARGETS = {"community_makers": 7, "trained": 100, "welfare_labs": 10}


@dataclass(frozen=True)
class Window:
    """A stretch of days in Italian time: a half-year, or the program to the end of one
    (`first_day` None). `start` and `end` are its bounds in UTC, `end` excluded."""

    first_day: date | None
    last_day: date
    start: datetime | None
    end: datetime


@dataclass(frozen=True)
class Indicator:
    key: str
    code: str  # "1.2": strategy and order, for the definitions under the table
    label: str
    definition: str  # how it is computed, in words
    verification: str  # the means of verification
    target: int | None = None
    kind: str = COUNT  # count, percent (of something), unrecorded, context

    @property
    def baseline(self) -> int | None:
        """At the program's start (2016) nothing of this existed: 0 for what Legami
        counts, nothing for a share or for what it does not record."""
        return 0 if self.kind in (COUNT, CONTEXT) else None


@dataclass(frozen=True)
class Strategy:
    key: str
    number: int
    title: str
    objective: str  # the specific objective
    result: str  # the expected result, with its targets
    indicators: tuple[Indicator, ...]


def goal() -> str:
    """The general objective of the program."""
    return _("Reduce the fragility that comes from isolation in the province of Cremona: "
             "read needs together with the community and build collective answers, going "
             "to people where they work and study rather than waiting at a desk.")


# The means of verification, shared by several indicators.
def _surveys() -> str:
    return _("Legami: invitations of the survey waves closed in the half-year (who "
             "answered, never what).")


def _places() -> str:
    return _("Legami: the places taken in initiatives and activities, with their lists.")


def _registers() -> str:
    return _("Legami: the lab meetings' attendance registers kept by program staff.")


def strategies() -> list[Strategy]:
    """The five strategies, in the reader's language."""
    return [
        Strategy("companies", 1, _("Companies and work-life balance"),
                 _("Workers of partner companies find answers to their needs for "
                   "balancing work and family life, built with them."),
                 _("15 companies and 1,000 workers take part: they answer needs surveys, "
                   "join conciliation initiatives, take part in workplace labs."), (
            Indicator("companies_took_part", "1.1", _("Companies taking part"),
                      _("Partner companies of which at least one worker answered a needs "
                        "survey, joined a conciliation initiative or attended a lab meeting "
                        "in the period."),
                      _surveys() + " " + _places(), TARGETS["companies"]),
            Indicator("workers_took_part", "1.2", _("Workers who took part"),
                      _("Distinct workers of partner companies who answered a needs survey, "
                        "joined an initiative or attended a lab meeting in the period; a "
                        "person who did more than one counts once when Legami knows it is "
                        "the same account."),
                      _surveys() + " " + _places() + " " + _registers(),
                      TARGETS["workers"]),
            Indicator("workers_answered", "1.3", _("Workers who answered a needs survey"),
                      _("Distinct people who answered at least one survey wave that closed "
                        "in the period (counted from the invitations, never from the "
                        "answers)."), _surveys()),
            Indicator("response_rate", "1.4", _("Response rate of the needs surveys"),
                      _("Invitations answered out of invitations sent, in the waves that "
                        "closed in the period."), _surveys(), kind=PERCENT),
            Indicator("initiatives_running", "1.5", _("Conciliation initiatives running"),
                      _("Published or closed initiatives whose dates meet the period."),
                      _("Legami: the initiatives' pages and their providers.")),
            Indicator("initiative_participants", "1.6", _("People who joined an initiative"),
                      _("Distinct people holding a place (enrolled) in an initiative "
                        "running in the period; the waitlist does not count."), _places()),
            Indicator("companies_signed_up", "1.7",
                      _("Partner companies signed up (context)"),
                      _("Companies with an active account in Legami at the end of the "
                        "period, whether or not anyone took part: context, not "
                        "participation."), _("Legami: the partners' register."),
                      kind=CONTEXT),
        )),
        Strategy("schools", 2, _("Schools, families and Civic Centers"),
                 _("Pupils and their families use the Civic Centers' activities, reached "
                   "through their schools."),
                 _("10 schools, 1,500 pupils and 500 families take part; 4 Civic Centers "
                   "run activities."), (
            Indicator("schools_took_part", "2.1", _("Schools taking part"),
                      _("Partner schools with at least one pupil holding a place in a Civic "
                        "Center activity running in the period."), _places(),
                      TARGETS["schools"]),
            Indicator("pupils_enrolled", "2.2", _("Pupils who joined an activity"),
                      _("Distinct pupils holding a place (enrolled) in at least one Civic "
                        "Center activity running in the period."), _places(),
                      TARGETS["pupils"]),
            Indicator("pupils_attended", "2.3", _("Pupils who attended"),
                      _("Distinct pupils marked present at least once in a session of the "
                        "period."), _("Legami: the activities' attendance registers kept "
                                      "by the operators.")),
            Indicator("families_reached", "2.4", _("Families who took part"),
                      _("The families of the pupils who joined an activity, each once."),
                      _places(), TARGETS["families"]),
            Indicator("centers_running", "2.5", _("Civic Centers running activities"),
                      _("Civic Centers with at least one activity running in the period."),
                      _("Legami: the Civic Centers' activities."), TARGETS["civic_centers"]),
            Indicator("places_used", "2.6", _("Places used in Civic Center activities"),
                      _("Places taken out of the places offered in the activities running "
                        "in the period."), _places(), kind=PERCENT),
        )),
        Strategy("labs", 3, _("Community labs"),
                 _("Residents, workers, associations and councils meet to read needs "
                   "together and act on them."),
                 _("About 45 community labs in neighbourhoods, towns and workplaces, that "
                   "meet and turn needs into actions and initiatives."), (
            Indicator("labs_met", "3.1", _("Labs that met"),
                      _("Community labs that held at least one meeting in the period."),
                      _registers(), TARGETS["labs"]),
            Indicator("lab_meetings", "3.2", _("Lab meetings held"),
                      _("Meetings of any lab that took place in the period."), _registers()),
            Indicator("lab_people", "3.3", _("People who attended a lab meeting"),
                      _("Distinct members and guests marked present at least once in the "
                        "period."), _registers()),
            Indicator("lab_guests", "3.4", _("of whom residents, volunteers and officers"),
                      _("Distinct guests who are not employees (residents, association "
                        "volunteers, council officers) marked present in the period."),
                      _registers()),
            Indicator("lab_actions_done", "3.5", _("Lab actions done"),
                      _("Actions of the labs marked done in the period."),
                      _("Legami: the labs' action lists.")),
            Indicator("initiatives_from_labs", "3.6", _("Initiatives born in a lab"),
                      _("Initiatives running in the period that a lab proposed."),
                      _("Legami: the initiatives' pages, which name their lab.")),
        )),
        Strategy("pacts", 4, _("Generative pacts"),
                 _("Vulnerable people become collaborators: they agree a pact with the "
                   "program and give back to the community."),
                 _("About 500 beneficiaries of generative pacts."), (
            Indicator("pacts_accepted", "4.1", _("Pacts accepted"),
                      _("Generative pacts accepted by the family in the period, counted in "
                        "steps of 5."), _("Legami: the pacts and their acceptance."),
                      TARGETS["pacts"]),
            Indicator("pact_reviews", "4.2", _("Pact reviews held"),
                      _("Reviews of a pact held in the period, counted in steps of 5."),
                      _("Legami: the pacts' reviews.")),
            Indicator("pact_ladder_improved", "4.3", _("Reviews that found things better"),
                      _("Reviews held in the period whose ladder rose from before to after "
                        "the pact, counted in steps of 5."),
                      _("Legami: the pacts' reviews.")),
        )),
        Strategy("training", 5, _("Training and local coordination"),
                 _("Public officials, managers and social workers learn to work with the "
                   "community; community makers coordinate locally."),
                 _("More than 100 people trained, 10 training labs (Wel(l)fare Lab), "
                   "7 community makers."), (
            Indicator("community_makers", "5.1", _("Community makers at work"),
                      _("People with the community maker role in Legami at the end of the "
                        "period."), _("Legami: the program's accounts and roles."),
                      TRAINING_TARGETS["community_makers"]),
            Indicator("officials_trained", "5.2",
                      _("Officials, managers and social workers trained"),
                      _("Not recorded in Legami."),
                      _("The training attendance registers kept by the program."),
                      TRAINING_TARGETS["trained"], kind=UNRECORDED),
            Indicator("welfare_labs", "5.3", _("Training labs held (Wel(l)fare Lab)"),
                      _("Not recorded in Legami."),
                      _("The training labs' programmes and registers kept by the program."),
                      TRAINING_TARGETS["welfare_labs"], kind=UNRECORDED),
        )),
    ]


def strategy_keys() -> tuple[str, ...]:
    return ("companies", "schools", "labs", "pacts", "training")
