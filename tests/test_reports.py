"""Reports: every number on the pages, in the exports and on the command line, checked
against direct counts of a known population; scope; small-group suppression; question
analysis; a fixed number of queries whatever the number of officers."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import openpyxl
import pytest
import sqlalchemy as sa
from babel.dates import format_date

from lms.catalog.models import Course, CourseVersion
from lms.extensions import db
from lms.learning.models import CourseCompletion, Enrolment, ModuleProgress
from lms.org.models import Cohort, Gender, InstitutionKind, Role, Service
from lms.quizzes.models import AttemptAnswer, QuizAttempt
from lms.scenarios.models import ClassroomSession, ScenarioRun
from lms.timeutil import day_start
from tests.course_helpers import COURSE, load_sample
from tests.factories import login, make_country, make_institution, make_user

A, B = COURSE, "second-course"
TITLES = {A: "First steps: respectful admission of a new prisoner", B: "Second course"}
NOW = datetime.now(UTC)
TODAY = NOW.date()
STATUS_TEXT = {"complete": "Complete", "in_progress": "In progress", "overdue": "Overdue",
               "not_started": "Not started"}
GENDER_TEXT = {"female": "Female", "male": "Male"}
SERVICE_TEXT = {"prison": "Prison service", "probation": "Probation service"}


# Reading pages -----------------------------------------------------------------------------

class _Page(HTMLParser):
    """Texts of elements with an id, and tables (by id) as rows of cell texts."""

    VOID = {"br", "input", "img", "meta", "link", "hr", "col", "source"}

    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: dict[str, str] = {}
        self.tables: dict[str, list[list[str]]] = {}
        self._open: list[tuple[str, list[str]]] = []
        self._table: str | None = None
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        attrs = dict(attrs)
        self._open.append((attrs.get("id", ""), []))
        if tag == "table" and attrs.get("id"):
            self._table = attrs["id"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in self.VOID or not self._open:
            return
        ident, chunks = self._open.pop()
        text = " ".join(" ".join(chunks).split())
        if ident:
            self.ids[ident] = text
        if self._open:
            self._open[-1][1].extend(chunks)
        if tag in ("td", "th") and self._table and self._cell is not None:
            self.tables[self._table][-1].append(" ".join(" ".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._open:
            self._open[-1][1].append(data)
        if self._cell is not None:
            self._cell.append(data)


def page_of(client, url: str) -> _Page:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return _Page(response.get_data(as_text=True))


def body_rows(page: _Page, table: str) -> list[list[str]]:
    return page.tables[table][1:]


def pct(x):
    return "—" if x is None else f"{100 * x:.1f}%"


def avg(x):
    return "—" if x is None else f"{x:.1f}"


# The known population ----------------------------------------------------------------------

# key: country, institution, gender, service, position
OFFICERS = {
    "a1": ("KZ", "pa", "female", "prison", "Inspector"),
    "a2": ("KZ", "pa", "male", "prison", "Inspector"),
    "a3": ("KZ", "pa", "female", "prison", "Senior inspector"),
    "a4": ("KZ", "pa", "male", "prison", "Inspector"),
    "a5": ("KZ", "pa", "female", "prison", "Inspector"),
    "a6": ("KZ", "pa", "female", "prison", "Senior inspector"),
    "b1": ("KZ", "pb", "female", "probation", "Probation officer"),
    "b2": ("KZ", "pb", "male", "probation", "Probation officer"),
    "b3": ("KZ", "pb", "male", "probation", "Probation officer"),
    "c1": ("KG", "pc", "female", "prison", "Inspector"),
    "c2": ("KG", "pc", "male", "prison", "Inspector"),
    "c3": ("KG", "pc", "male", "prison", "Inspector"),
}
INSTITUTION_NAMES = {"pa": "Prison Alpha", "pb": "Probation Beta", "pc": "Prison Gamma"}


@dataclass
class E:
    """An enrolment: state, final and pre-test score, days since completion, due date offset."""

    key: str
    course: str
    state: str
    final: int | None = None
    pre: int | None = None
    done_days: int | None = None
    due: int | None = None

    @property
    def status(self) -> str:
        return {"complete": "complete", "in_progress": "in_progress", "overdue_started": "overdue",
                "overdue": "overdue", "not_started": "not_started"}[self.state]

    @property
    def completed_on(self) -> date | None:
        return (NOW - timedelta(days=self.done_days)).date() if self.done_days is not None else None


ENROLMENTS = [
    E("a1", A, "complete", final=90, pre=50, done_days=10),
    E("a2", A, "complete", final=70, pre=40, done_days=40, due=-100),  # completed late: not overdue
    E("a3", A, "in_progress", pre=55, due=20),
    E("a4", A, "overdue_started", due=-5),
    E("a5", A, "not_started", due=30),
    E("a6", A, "complete", final=80, done_days=70),
    E("a6", B, "complete", final=100, done_days=100),
    E("b1", A, "complete", final=60, pre=60, done_days=10),
    E("b2", A, "overdue", due=-1),
    E("b3", A, "not_started"),
    E("b3", B, "in_progress"),
    E("c1", A, "complete", final=100, pre=20, done_days=200),
    E("c2", A, "in_progress", pre=10),
    E("c3", A, "complete", final=50, pre=30, done_days=400),
]
SCOPES = {"admin": {"pa", "pb", "pc"}, "institution": {"pa"}, "country": {"pa", "pb"}}


_sample: dict = {}


def sample_course() -> None:
    """The fixture course: loaded for real once, then its parsed content copied (fast)."""
    if not _sample:
        version = load_sample()
        _sample.update(content=version.content, hash=version.content_hash)
        return
    db.session.add(Course(id=A, current_version=1))
    db.session.add(CourseVersion(course_id=A, version=1, content=_sample["content"],
                                 content_hash=_sample["hash"]))
    db.session.flush()


def second_course() -> None:
    db.session.add(Course(id=B, current_version=1))
    db.session.add(CourseVersion(course_id=B, version=1, content_hash="x", content={
        "id": B, "title": {"en": TITLES[B]}, "source_language": "en", "languages": ["en"],
        "modules": [], "pre_test": None}))


def add_enrolment(user_id: int, e: E) -> None:
    completed = NOW - timedelta(days=e.done_days) if e.done_days is not None else None
    started = e.state in ("complete", "in_progress", "overdue_started")
    db.session.add(Enrolment(
        user_id=user_id, course_id=e.course, enrolled_at=NOW - timedelta(days=500),
        due_on=TODAY + timedelta(days=e.due) if e.due is not None else None,
        completed_at=completed, last_activity_at=(completed or NOW - timedelta(days=1)) if started else None,
        # As the application keeps them (lms.learning.completion): the latest completion's
        # final score and the first pre-test attempt's score.
        final_score=e.final if completed else None, pre_test_score=e.pre,
    ))
    if completed:
        db.session.add(CourseCompletion(user_id=user_id, course_id=e.course, course_version=1,
                                        completed_at=completed, final_score=e.final))
    if e.pre is not None:
        db.session.add(QuizAttempt(
            user_id=user_id, course_id=e.course, course_version=1, module_id="00-pre-test",
            quiz_id="00-pre-test-quiz", number=1, is_pre_test=True, layout=[], draft={},
            started_at=NOW - timedelta(days=450), submitted_at=NOW - timedelta(days=450), score=e.pre,
            passed=e.pre >= 70))


@dataclass
class World:
    users: dict
    inst: dict
    countries: dict
    admin: object
    inst_manager: object
    country_manager: object
    trainer: object


def build_world() -> World:
    sample_course()
    second_course()
    countries = {"KZ": make_country("KZ"), "KG": make_country("KG")}
    inst = {
        "pa": make_institution(countries["KZ"], name=INSTITUTION_NAMES["pa"]),
        "pb": make_institution(countries["KZ"], kind=InstitutionKind.PROBATION_OFFICE,
                               name=INSTITUTION_NAMES["pb"]),
        "pc": make_institution(countries["KG"], name=INSTITUTION_NAMES["pc"]),
    }
    users = {}
    for key, (_c, i, gender, service, position) in OFFICERS.items():
        users[key] = make_user(institution=inst[i], gender=Gender(gender), service=Service(service),
                               position=position, number=f"PN-{key}", name=f"Officer {key}")
    for e in ENROLMENTS:
        add_enrolment(users[e.key].id, e)
    # An older completion of an earlier version: the latest version's score counts.
    db.session.add(CourseCompletion(user_id=users["a2"].id, course_id=A, course_version=0,
                                    completed_at=NOW - timedelta(days=500), final_score=10))
    # Staff taking a course are not officers: never counted.
    trainer = make_user(role=Role.TRAINER, institution=inst["pa"], number="PN-trainer", name="Trainer Tee")
    add_enrolment(trainer.id, E("trainer", A, "complete", final=10, pre=90, done_days=5))
    world = World(
        users=users, inst=inst, countries=countries,
        admin=make_user(role=Role.ADMIN, institution=inst["pa"], number="PN-admin"),
        inst_manager=make_user(role=Role.MANAGER, institution=inst["pa"], scope_institution=inst["pa"],
                               number="PN-im"),
        country_manager=make_user(role=Role.MANAGER, institution=inst["pa"], scope_country=countries["KZ"],
                                  number="PN-cm"),
        trainer=trainer,
    )
    db.session.commit()
    return world


def viewer_of(world: World, scope: str):
    return {"admin": world.admin, "institution": world.inst_manager, "country": world.country_manager}[scope]


def visible(scope: str, course: str | None = None) -> list[E]:
    return [e for e in ENROLMENTS if OFFICERS[e.key][1] in SCOPES[scope] and (course is None or e.course == course)]


# Direct counts -----------------------------------------------------------------------------

def tally_cells(label: str, es: list[E]) -> list[str]:
    n = len(es)
    by = {s: sum(1 for e in es if e.status == s) for s in STATUS_TEXT}
    finals = [e.final for e in es if e.final is not None]
    both = [e for e in es if e.final is not None and e.pre is not None]
    gain = (sum(e.final for e in both) - sum(e.pre for e in both)) / len(both) if both else None
    return [label, str(n), str(by["complete"]), str(by["in_progress"]), str(by["overdue"]),
            str(by["not_started"]), pct(by["complete"] / n if n else None),
            avg(sum(finals) / len(finals) if finals else None), avg(gain)]


def expected_breakdown(es: list[E], part: str) -> list[list[str]]:
    def key(e):
        _c, i, gender, service, position = OFFICERS[e.key]
        return {"institution": INSTITUTION_NAMES[i], "service": SERVICE_TEXT[service],
                "position": position, "gender": GENDER_TEXT[gender]}[part]

    labels = sorted({key(e) for e in es})
    return sorted(tally_cells(label, [e for e in es if key(e) == label]) for label in labels)


def register_expectation(scope: str, course: str | None = None, pred=lambda e: True) -> set[tuple]:
    return {(f"PN-{e.key}", e.course, STATUS_TEXT[e.status]) for e in visible(scope, course) if pred(e)}


# Dashboard ---------------------------------------------------------------------------------

@pytest.mark.parametrize("scope", ["admin", "institution", "country"])
def test_dashboard_counts_rates_scores_and_breakdowns_match_direct_counts(client, ctx, scope):
    world = build_world()
    login(client, viewer_of(world, scope))
    page = page_of(client, f"/reports/dashboard?course={A}")
    es = visible(scope, A)
    total = tally_cells("", es)
    figures = [page.ids[f"fig-{k}"] for k in ("enrolled", "completed", "in-progress", "overdue",
                                              "not-started", "rate", "final", "gain")]
    assert figures == total[1:]
    for part in ("institution", "service", "position", "gender"):
        assert sorted(body_rows(page, f"table-{part}")) == expected_breakdown(es, part), part
    # Completions per month: the last twelve months, oldest first.
    months = body_rows(page, "table-months")
    assert len(months) == 12
    expected = {}
    for e in es:
        if e.completed_on and e.done_days <= 300:
            label = format_date(e.completed_on, "MMM y", locale="en")
            expected[label] = expected.get(label, 0) + 1
    assert {m: int(n) for m, n in months if n != "0"} == expected
    assert months[-1][0] == format_date(TODAY, "MMM y", locale="en")


def test_dashboard_literal_numbers_for_everyone(client, ctx):
    world = build_world()
    login(client, world.admin)
    page = page_of(client, f"/reports/dashboard?course={A}")
    # 12 officers; 6 complete, 2 in progress, 2 overdue, 2 not started; the trainer is not counted.
    assert page.ids["fig-enrolled"] == "12" and page.ids["fig-completed"] == "6"
    assert page.ids["fig-overdue"] == "2" and page.ids["fig-rate"] == "50.0%"
    assert page.ids["fig-final"] == "75.0"  # (90+70+80+60+100+50)/6
    assert page.ids["fig-gain"] == "34.0"  # (90+70+60+100+50 - (50+40+60+20+30)) / 5


def test_dashboard_charts_are_accessible_svg_with_the_table_numbers(client, ctx):
    world = build_world()
    login(client, world.admin)
    html = client.get(f"/reports/dashboard?course={A}").get_data(as_text=True)
    charts = re.findall(r"<svg .*?</svg>", html, re.S)
    assert len(charts) == 5
    for chart in charts:
        assert 'role="img"' in chart and "<title id=" in chart and "<desc id=" in chart
        assert "<script" not in chart and "style=" not in chart
    gender_chart = next(c for c in charts if 'id="chart-gender-title"' in c)
    # Female officers: 4 complete; male officers: 2 overdue (a4, b2), as in the gender table.
    assert "Female: Complete 4" in gender_chart and "Male: Overdue 2" in gender_chart


def _dashboard_edges_world() -> dict:
    """Officers at the edges of the dashboard's rules, in course A, seen on 15 March 2026:
    a completion at the very moment the first of the twelve months begins and one a second
    before it, completions in the first and last months, overdue against due today, a
    completion after its due date, an officer moved to another country after enrolling, a
    blank position, and a trainer (staff: never counted)."""
    sample_course()
    kz, kg = make_country("KZ"), make_country("KG")
    pa, pb, pc = make_institution(kz), make_institution(kz), make_institution(kg)
    first = day_start(date(2025, 4, 1))  # the oldest of the twelve months shown on 15 March 2026
    today = date(2026, 3, 15)
    people = {
        # key: institution, gender, position, completed at, due on, started, final, pre
        "edge": (pa, Gender.FEMALE, "Inspector", first, None, True, 80, 40),
        "before": (pa, Gender.MALE, "Inspector", first - timedelta(seconds=1), None, True, 60, None),
        "last": (pb, Gender.FEMALE, "", day_start(date(2026, 3, 1)), None, True, 100, 70),
        "late": (pa, Gender.MALE, "Inspector", day_start(date(2025, 7, 10)), date(2025, 5, 1), True, 70, 30),
        "overdue": (pa, Gender.FEMALE, "", None, today - timedelta(days=1), False, None, None),
        "due-today": (pa, Gender.MALE, "Inspector", None, today, True, None, 50),
        "moved": (pa, Gender.FEMALE, "Inspector", day_start(date(2025, 9, 2)), None, True, 90, 20),
    }
    users = {}
    for key, (inst, gender, position, done, due, started, final, pre) in people.items():
        user = users[key] = make_user(institution=inst, gender=gender, position=position, number=f"EDGE-{key}")
        db.session.add(Enrolment(user_id=user.id, course_id=A, enrolled_at=first - timedelta(days=30), due_on=due,
                                 completed_at=done, last_activity_at=(done or first) if started else None,
                                 final_score=final if done else None, pre_test_score=pre))
    trainer = make_user(role=Role.TRAINER, institution=pa, number="EDGE-trainer")
    db.session.add(Enrolment(user_id=trainer.id, course_id=A, completed_at=first, last_activity_at=first,
                             final_score=10, pre_test_score=90))
    users["moved"].institution_id = pc.id  # moved to KG after enrolling: reported where they work now
    db.session.commit()
    return {"kz": kz, "pa": pa, "pb": pb, "pc": pc, "today": today, "users": users}


@pytest.mark.parametrize("scope", ["admin", "country", "institution", "trainer"])
def test_dashboard_months_statuses_and_scope_at_their_edges(ctx, scope):
    from lms.reports.queries import dashboard

    w = _dashboard_edges_world()
    if scope == "trainer":  # their own institution, and the cohort they lead: the moved officer
        viewer = make_user(role=Role.TRAINER, institution=w["pa"])
        cohort = Cohort(name="Led", institution_id=w["pa"].id, trainer_id=viewer.id)
        cohort.members.append(w["users"]["moved"])
        db.session.add(cohort)
        db.session.commit()
    else:
        viewer = make_user(role=Role.ADMIN if scope == "admin" else Role.MANAGER, institution=w["pa"],
                           scope_country=w["kz"] if scope == "country" else None,
                           scope_institution=w["pa"] if scope == "institution" else None)
    data = dashboard(viewer, A, w["today"])
    seen = {"admin": {"edge", "before", "last", "late", "overdue", "due-today", "moved"},
            "country": {"edge", "before", "last", "late", "overdue", "due-today"},
            "institution": {"edge", "before", "late", "overdue", "due-today"},
            "trainer": {"edge", "before", "late", "overdue", "due-today", "moved"}}[scope]
    t = data.total
    assert (t.enrolled, t.completed, t.in_progress, t.overdue, t.not_started) == (
        len(seen), len(seen - {"overdue", "due-today"}), 1, 1, 0)
    finals = {"edge": 80, "before": 60, "last": 100, "late": 70, "moved": 90}
    pres = {"edge": 40, "last": 70, "late": 30, "due-today": 50, "moved": 20}
    gained = [k for k in seen if k in finals and k in pres]
    assert (t.score_sum, t.score_count) == (sum(finals[k] for k in seen if k in finals),
                                            len(seen & finals.keys()))
    assert (t.gain_final_sum, t.gain_pre_sum, t.gain_count) == (
        sum(finals[k] for k in gained), sum(pres[k] for k in gained), len(gained))
    # Months, oldest first: April 2025 (the completion at its very first moment, not the one a
    # second before), July (late), September (moved, where they are seen), March 2026 (last).
    months = dict(data.months)
    assert [m for m, _n in data.months] == [date(2025 + (3 + i) // 12, (3 + i) % 12 + 1, 1) for i in range(12)]
    expected = {date(2025, 4, 1): 1, date(2025, 7, 1): 1}
    if "last" in seen:
        expected[date(2026, 3, 1)] = 1
    if "moved" in seen:
        expected[date(2025, 9, 1)] = 1
    assert {m: n for m, n in months.items() if n} == expected
    # The moved officer counts in their new institution only; a blank position is a group.
    by_inst = {inst: tally.enrolled for inst, tally in data.by_institution}
    assert by_inst == {w["pa"].id: 5, **({w["pb"].id: 1} if "last" in seen else {}),
                       **({w["pc"].id: 1} if "moved" in seen else {})}
    by_position = {p: (tally.enrolled, tally.completed) for p, tally in data.by_position}
    blank = (1 + ("last" in seen), int("last" in seen))
    assert by_position == {"": blank, "Inspector": (len(seen) - blank[0], len(seen) - blank[0] - 1)}
    assert sum(tally.enrolled for _g, tally in data.by_gender) == len(seen)


def test_dashboard_in_arabic_is_mirrored_and_renders(client, ctx):
    world = build_world()
    world.admin.locale = "ar"
    db.session.commit()
    login(client, world.admin)
    html = client.get(f"/reports/dashboard?course={A}").get_data(as_text=True)
    assert 'dir="rtl"' in html and 'role="img"' in html


# Register ----------------------------------------------------------------------------------

def _register_keys(page: _Page) -> set[tuple]:
    titles = {v: k for k, v in TITLES.items()}
    return {(r[1], titles[r[3]], r[4]) for r in body_rows(page, "register") if len(r) > 1}


@pytest.mark.parametrize("scope", ["admin", "institution", "country"])
def test_register_lists_every_officer_and_course_in_scope(client, ctx, scope):
    world = build_world()
    login(client, viewer_of(world, scope))
    page = page_of(client, "/reports/register")
    assert _register_keys(page) == register_expectation(scope)
    assert page.ids["register-total"] == f"{len(visible(scope))} records"
    rows = {r[1]: r for r in body_rows(page, "register") if r[3] == TITLES[A]}
    for e in visible(scope, A):
        assert rows[f"PN-{e.key}"][7] == (str(e.final) if e.final is not None else "—")


def test_register_filters_by_course_institution_status_gender_dates_and_search(client, ctx):
    world = build_world()
    login(client, world.admin)
    pa, pb = world.inst["pa"].id, world.inst["pb"].id
    since = (TODAY - timedelta(days=50)).isoformat()
    cases = [
        (f"course={B}", lambda e: e.course == B),
        (f"institution={pb}", lambda e: OFFICERS[e.key][1] == "pb"),
        ("status=overdue", lambda e: e.status == "overdue"),
        ("status=in_progress", lambda e: e.status == "in_progress"),
        ("status=not_started", lambda e: e.status == "not_started"),
        ("gender=male", lambda e: OFFICERS[e.key][2] == "male"),
        (f"course={A}&status=complete&gender=female&institution={pa}",
         lambda e: e.course == A and e.status == "complete" and OFFICERS[e.key][2] == "female"
         and OFFICERS[e.key][1] == "pa"),
        (f"completed_from={since}", lambda e: e.completed_on is not None and e.done_days <= 50),
        (f"completed_from={(TODAY - timedelta(days=100)).isoformat()}&completed_to={(TODAY - timedelta(days=40)).isoformat()}",
         lambda e: e.completed_on is not None and 40 <= e.done_days <= 100),
        ("q=officer+b", lambda e: e.key.startswith("b")),
        ("q=pn-c2", lambda e: e.key == "c2"),
        ("q=%25", lambda e: False),  # a LIKE wildcard is searched for literally
    ]
    for query, pred in cases:
        page = page_of(client, f"/reports/register?{query}")
        assert _register_keys(page) == register_expectation("admin", pred=pred), query


def test_register_ignores_a_malformed_date_or_status_and_says_so(client, ctx):
    world = build_world()
    login(client, world.admin)
    page = page_of(client, "/reports/register?completed_from=31.12.2025&status=bogus&institution=x")
    assert _register_keys(page) == register_expectation("admin")
    assert "Not a valid date value." in client.get("/reports/register?completed_from=31.12.2025").get_data(as_text=True)
    assert client.get("/reports/register/export.pdf").status_code == 404


def test_register_pages_through_every_row_once(client, ctx, monkeypatch):
    import lms.reports.views as views

    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    world = build_world()
    login(client, world.admin)
    seen = []
    for n in range(1, 6):
        page = page_of(client, f"/reports/register?page={n}")
        seen.extend((r[1], r[3]) for r in body_rows(page, "register") if len(r) > 1)
    assert len(seen) == len(ENROLMENTS) == len(set(seen))
    html = client.get("/reports/register?page=2&status=complete").get_data(as_text=True)
    assert "status=complete" in html and "page=1" in html


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _xlsx_rows(data) -> list[list]:
    """The header row and the rows below it (title lines above the frozen header skipped),
    with dates written back as ISO text so that they compare with the CSV."""
    book = openpyxl.load_workbook(io.BytesIO(data) if isinstance(data, bytes) else data)
    first = int(book.active.freeze_panes[1:]) - 2 if book.active.freeze_panes else 0
    rows = [list(r) for r in book.active.iter_rows(values_only=True)][first:]
    return [[v.date().isoformat() if hasattr(v, "date") else v for v in r] for r in rows]


def _export_keys(rows: list[list]) -> set[tuple]:
    header = rows[0]
    i = {name: header.index(name) for name in ("Personnel number", "Course", "Status")}
    return {(r[i["Personnel number"]], r[i["Course"]], r[i["Status"]]) for r in rows[1:]}


def _check_export_values(rows: list[list], es: list[E]) -> None:
    header = rows[0]
    assert header[:4] == ["Name", "Name in Latin letters", "Personnel number", "Gender"]
    by = {(r[header.index("Personnel number")], r[header.index("Course")]): dict(zip(header, r, strict=True))
          for r in rows[1:]}
    for e in es:
        row = by[(f"PN-{e.key}", e.course)]
        blank = ("", None)
        assert str(row["Final score"]) == str(e.final) if e.final is not None else row["Final score"] in blank
        assert str(row["Pre-test score"]) == str(e.pre) if e.pre is not None else row["Pre-test score"] in blank
        assert (row["Completed on"] or "") == (e.completed_on.isoformat() if e.completed_on else "")
        assert row["Gender"] == GENDER_TEXT[OFFICERS[e.key][2]]
        assert row["Institution"] == INSTITUTION_NAMES[OFFICERS[e.key][1]]
        assert row["Course title"] == TITLES[e.course]


@pytest.mark.parametrize("scope", ["admin", "institution", "country"])
def test_register_exports_csv_and_xlsx_with_the_page_numbers(client, ctx, scope):
    world = build_world()
    login(client, viewer_of(world, scope))
    response = client.get("/reports/register/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv_rows(response.data)
    assert _export_keys(rows) == register_expectation(scope)
    _check_export_values(rows, visible(scope))
    response = client.get("/reports/register/export.xlsx")
    assert response.status_code == 200
    rows = _xlsx_rows(response.data)
    assert _export_keys(rows) == register_expectation(scope)
    _check_export_values(rows, visible(scope))
    # Filters apply to exports too.
    rows = _csv_rows(client.get("/reports/register/export.csv?status=overdue").data)
    assert _export_keys(rows) == register_expectation(scope, pred=lambda e: e.status == "overdue")


def test_export_headers_follow_the_viewers_language_and_exports_are_audited(client, ctx):
    from lms.org.models import AuditEvent

    world = build_world()
    world.admin.locale = "ru"
    db.session.commit()
    login(client, world.admin)
    en = _csv_rows(client.get("/reports/register/export.csv").data)[0]
    ru = _xlsx_rows(client.get("/reports/register/export.xlsx").data)[0]
    assert len(ru) == len(en)
    db.session.expire_all()
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert actions.count("report.exported") == 2


def test_a_name_that_looks_like_a_formula_is_exported_as_text(client, ctx):
    world = build_world()
    world.users["a1"].name_native = "=HYPERLINK(\"http://x\")"
    db.session.commit()
    login(client, world.admin)
    rows = _csv_rows(client.get("/reports/register/export.csv").data)
    assert any(r[0] == "'=HYPERLINK(\"http://x\")" for r in rows)
    book = openpyxl.load_workbook(io.BytesIO(client.get("/reports/register/export.xlsx").data))
    cell = next(c for c in book.active["A"] if c.value and "HYPERLINK" in str(c.value))
    assert cell.data_type == "s"


# Names stored before input was cleaned (issue #19's attack corpus): a vertical tab, a NUL,
# other C0 controls, a right-to-left override.
HOSTILE_NAMES = ["Ivan\x0bPetrov", "Nul\x00Name", "Bell\x07\x1b[31m", "Aigerim\u202eavokeB", "Tab\tName"]


def stored_hostile_names() -> list[str]:
    """The hostile names a database can hold: PostgreSQL refuses a NUL in text, so only a
    SQLite database may have one stored."""
    if db.engine.dialect.name == "postgresql":
        return [name for name in HOSTILE_NAMES if "\x00" not in name]
    return HOSTILE_NAMES


def test_exports_survive_control_characters_already_stored_in_names(client, ctx, runner, tmp_path):
    world = build_world()
    for user, name in zip(world.users.values(), stored_hostile_names(), strict=False):
        user.name_latin = name
        user.name_native = name
    db.session.commit()
    login(client, world.admin)
    for url in ("/reports/register/export.xlsx", "/reports/register/export.csv", "/reports/register"):
        response = client.get(url)
        assert response.status_code == 200, url
    rows = _xlsx_rows(client.get("/reports/register/export.xlsx").data)
    assert any("Ivan Petrov" in str(cell) for row in rows for cell in row)
    out = tmp_path / "kz.xlsx"
    result = runner.invoke(args=["reports", "completions", "--scope", "country:KZ", "--course", A,
                                 "--format", "xlsx", "--out", str(out)])
    assert result.exit_code == 0, result.output


# Command line ------------------------------------------------------------------------------

def test_cli_completions_give_the_same_rows_as_the_pages(app, ctx, runner, tmp_path):
    world = build_world()
    out = tmp_path / "kz.csv"
    result = runner.invoke(args=["reports", "completions", "--scope", "country:KZ", "--course", A,
                                 "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = _csv_rows(out.read_bytes())
    assert _export_keys(rows) == register_expectation("country", A)
    _check_export_values(rows, visible("country", A))
    out = tmp_path / "pa.xlsx"
    result = runner.invoke(args=["reports", "completions", "--scope", f"institution:{world.inst['pa'].id}",
                                 "--format", "xlsx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = _xlsx_rows(str(out))
    assert _export_keys(rows) == register_expectation("institution")
    _check_export_values(rows, visible("institution"))
    bad = runner.invoke(args=["reports", "completions", "--scope", "country:XX", "--out", str(out)])
    assert bad.exit_code != 0 and "no country" in bad.output


# Donor summary -----------------------------------------------------------------------------

def expected_summary(scope: str, start: date, end: date) -> dict[tuple, tuple]:
    """(country, course or '') -> (trained, women, completions), by direct counting."""
    done = [e for e in visible(scope) if e.completed_on and start <= e.completed_on <= end]
    out = {}

    def line(es):
        people = {e.key for e in es}
        return (len(people), sum(1 for k in people if OFFICERS[k][2] == "female"), len(es))

    for country in sorted({OFFICERS[e.key][0] for e in done}):
        in_country = [e for e in done if OFFICERS[e.key][0] == country]
        for course in sorted({e.course for e in in_country}):
            out[(f"Country {country}", TITLES[course])] = line([e for e in in_country if e.course == course])
        out[(f"Country {country}", "All courses")] = line(in_country)
    out[("All countries", "All courses")] = line(done)
    return out


def _summary_cells(t: tuple) -> list[str]:
    trained, women, completions = t
    return [str(trained), str(women), pct(women / trained), str(completions)]


@pytest.mark.parametrize("scope", ["admin", "country", "institution"])
def test_summary_counts_officers_women_and_completions_per_country_and_course(app, client, ctx, scope, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_SMALL_GROUP_THRESHOLD", 0)  # compare exact numbers
    world = build_world()
    login(client, viewer_of(world, scope))
    start, end = TODAY - timedelta(days=365), TODAY
    expected = expected_summary(scope, start, end)
    page = page_of(client, f"/reports/summary?start={start.isoformat()}&end={end.isoformat()}")
    got = {(r[0], r[1]): r[2:] for r in body_rows(page, "summary")}
    assert got == {k: _summary_cells(v) for k, v in expected.items()}
    trained, women, _n = expected[("All countries", "All courses")]
    assert f"{trained} officers trained" in page.ids["headline"]
    for fmt, read in (("csv", _csv_rows), ("xlsx", _xlsx_rows)):
        rows = read(client.get(f"/reports/summary/export.{fmt}?start={start}&end={end}").data)
        assert rows[0] == ["Country code", "Country", "Course", "Course title", "Officers trained",
                           "Women", "Share of women (%)", "Completions"]
        exported = {(r[1], r[3]): [int(r[4]), int(r[5]), float(r[6]), int(r[7])] for r in rows[1:]}
        assert exported == {k: [t, w, round(100 * w / t, 1), n] for k, (t, w, n) in expected.items()}


@pytest.mark.parametrize("scope", ["admin", "country", "institution", "trainer"])
def test_summary_counts_each_officer_once_per_line_at_the_period_edges(ctx, scope):
    """February 2026: a completion at the first moment of the period counts, one a second
    before it and one at the first moment after it do not; an officer who completed a
    course twice (two versions) and another course counts once per line with every
    completion; an officer moved to another country counts where they work now; staff never."""
    from lms.reports.queries import donor_summary

    sample_course()
    second_course()
    kz, kg = make_country("KZ"), make_country("KG")
    pa, pb, pc = make_institution(kz), make_institution(kz), make_institution(kg)
    start, end = date(2026, 2, 1), date(2026, 2, 28)
    first, after = day_start(start), day_start(end + timedelta(days=1))
    twice = make_user(institution=pa, gender=Gender.FEMALE)
    outside = make_user(institution=pa, gender=Gender.MALE)
    last = make_user(institution=pb, gender=Gender.MALE)
    moved = make_user(institution=pa, gender=Gender.FEMALE)
    trainer = make_user(role=Role.TRAINER, institution=pa)
    for user, course, version, at in (
        (twice, A, 1, first), (twice, A, 2, first + timedelta(days=19)), (twice, B, 1, first + timedelta(days=9)),
        (outside, A, 1, first - timedelta(seconds=1)), (outside, A, 2, after),
        (last, A, 1, after - timedelta(seconds=1)), (moved, A, 1, first + timedelta(days=4)),
        (trainer, A, 1, first + timedelta(days=4)),
    ):
        db.session.add(CourseCompletion(user_id=user.id, course_id=course, course_version=version,
                                        completed_at=at, final_score=80))
    moved.institution_id = pc.id  # after completing: counted in KG now
    if scope == "trainer":  # their own institution, and the cohort they lead: the moved officer
        viewer = make_user(role=Role.TRAINER, institution=pa)
        cohort = Cohort(name="Led", institution_id=pa.id, trainer_id=viewer.id)
        cohort.members.append(moved)
        db.session.add(cohort)
    else:
        viewer = make_user(role=Role.ADMIN if scope == "admin" else Role.MANAGER, institution=pa,
                           scope_country=kz if scope == "country" else None,
                           scope_institution=pa if scope == "institution" else None)
    db.session.commit()
    data = donor_summary(viewer, start, end)

    def line(x):
        return (x.trained, x.women, x.completions)

    got = {(data.countries[c].code, course): line(x) for c, course, x in data.by_country_course}
    got |= {(data.countries[c].code, "all"): line(x) for c, x in data.by_country}
    kz_lines = {("KZ", A): (2, 1, 3), ("KZ", B): (1, 1, 1), ("KZ", "all"): (2, 1, 4)}
    pa_lines = {("KZ", A): (1, 1, 2), ("KZ", B): (1, 1, 1), ("KZ", "all"): (1, 1, 3)}
    kg_lines = {("KG", A): (1, 1, 1), ("KG", "all"): (1, 1, 1)}
    expected = {"admin": kz_lines | kg_lines, "country": kz_lines, "institution": pa_lines,
                "trainer": pa_lines | kg_lines}[scope]
    assert got == expected
    assert line(data.total) == tuple(map(sum, zip(*(v for k, v in expected.items() if k[1] == "all"), strict=True)))


def test_summary_literal_numbers_and_period(app, client, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_SMALL_GROUP_THRESHOLD", 0)
    world = build_world()
    login(client, world.admin)
    page = page_of(client, f"/reports/summary?start={(TODAY - timedelta(days=365)).isoformat()}&end={TODAY.isoformat()}")
    # a1, a2, a6, b1, c1 completed in the year (c3 too long ago; a2's old version outside too).
    assert "5 officers trained, 80% women" in page.ids["headline"]
    page = page_of(client, f"/reports/summary?start={(TODAY - timedelta(days=20)).isoformat()}&end={TODAY.isoformat()}")
    assert "2 officers trained, 100% women" in page.ids["headline"]


def test_cli_summary_gives_the_same_numbers_as_the_page(app, ctx, runner, tmp_path, monkeypatch):
    from flask import current_app

    # The command runs in the app context already pushed by the ctx fixture.
    monkeypatch.setitem(current_app.config, "LMS_SMALL_GROUP_THRESHOLD", 0)
    build_world()
    start, end = TODAY - timedelta(days=365), TODAY
    out = tmp_path / "summary.csv"
    result = runner.invoke(args=["reports", "summary", "--from", start.isoformat(), "--to", end.isoformat(),
                                 "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = _csv_rows(out.read_bytes())
    expected = expected_summary("admin", start, end)
    assert {(r[1], r[3]): [int(r[4]), int(r[5]), float(r[6]), int(r[7])] for r in rows[1:]} == {
        k: [t, w, round(100 * w / t, 1), n] for k, (t, w, n) in expected.items()}
    out = tmp_path / "summary-kz.xlsx"
    result = runner.invoke(args=["reports", "summary", "--from", start.isoformat(), "--to", end.isoformat(),
                                 "--scope", "country:KZ", "--format", "xlsx", "--out", str(out), "--lang", "ru"])
    assert result.exit_code == 0, result.output
    rows = _xlsx_rows(str(out))
    assert "Country KG" not in {r[1] for r in rows} and len(rows) == 1 + 3 + 1


def _population_for_suppression() -> None:
    """TJ: 12 trained, 3 women; KG: 3 trained; UZ: 10 trained, 7 women (3 men); total 25, 12 women."""
    sample_course()
    for code, women, men in (("TJ", 3, 9), ("KG", 2, 1), ("UZ", 7, 3)):
        inst = make_institution(make_country(code))
        for i in range(women + men):
            user = make_user(institution=inst, gender=Gender.FEMALE if i < women else Gender.MALE)
            add_enrolment(user.id, E("x", A, "complete", final=80, done_days=3))


def test_small_groups_are_shown_as_below_the_threshold_and_their_shares_hidden(client, ctx):
    _population_for_suppression()
    admin = make_user(role=Role.ADMIN)
    db.session.commit()
    login(client, admin)
    page = page_of(client, "/reports/summary")
    got = {(r[0], r[1]): r[2:] for r in body_rows(page, "summary")}
    assert got[("Country TJ", TITLES[A])] == ["12", "<5", "—", "12"]
    assert got[("Country KG", TITLES[A])] == ["<5", "<5", "—", "<5"]
    # 3 men: women would reveal them; and KG's 3 = all 25 − TJ's 12 − UZ's 10, so UZ goes too.
    assert got[("Country UZ", TITLES[A])] == ["—", "—", "—", "—"]
    assert got[("All countries", "All courses")] == ["25", "12", "48.0%", "25"]
    assert "25 officers trained, 48% women" in page.ids["headline"]
    rows = _csv_rows(client.get("/reports/summary/export.csv").data)
    by = {(r[1], r[3]): r[4:] for r in rows[1:]}
    assert by[("Country KG", TITLES[A])] == ["<5", "<5", "hidden", "<5"]
    assert by[("Country UZ", TITLES[A])] == ["hidden", "hidden", "hidden", "hidden"]
    assert by[("All countries", "All courses")] == ["25", "12", "48.0", "25"]
    xlsx = _xlsx_rows(client.get("/reports/summary/export.xlsx").data)
    assert {(r[1], r[3]): r[4:] for r in xlsx[1:]}[("Country TJ", TITLES[A])] == [12, "<5", "hidden", 12]


def _attack(rows: list[list], threshold: int = 5) -> None:
    """Add and subtract every printed number along the table's relations (tests/test_suppression.py)."""
    from tests.test_suppression import derivable

    def number(value):
        if isinstance(value, int | float):
            return int(value)
        text = str(value).replace("\u202f", "").replace("\xa0", "").replace(",", "")
        return int(text) if text.isdigit() else None

    known, lines, courses = {}, [], {}
    for country, course, trained, women, _share, completions in rows:
        line = ("total",) if country == "All countries" else (
            ("country", country) if course == "All courses" else ("course", country, course))
        lines.append(line)
        if line[0] == "course":
            courses.setdefault(country, []).append(line)
        for measure, value in (("trained", trained), ("women", women), ("completions", completions)):
            if number(value) is not None:
                known[(line, measure)] = number(value)
    relations = [(("country", c), parts) for c, parts in courses.items()]
    relations.append((("total",), [line for line in lines if line[0] == "country"]))
    for (line, measure), value in derivable(known, relations, lines).items():
        assert value >= threshold, f"{line} {measure} = {value} worked out by subtraction"


def test_no_small_group_can_be_worked_out_from_the_page_csv_xlsx_or_cli(client, ctx, runner, tmp_path):
    # KZ: course A 30 officers and course B 3 (the country total minus A gave B);
    # KG: 12; TJ: 2 (all countries minus the others gave TJ).
    sample_course()
    second_course()
    for code, course_counts in (("KZ", {A: 30, B: 3}), ("KG", {A: 12}), ("TJ", {A: 2})):
        inst = make_institution(make_country(code))
        for course_id, n in course_counts.items():
            for i in range(n):
                user = make_user(institution=inst, gender=Gender.FEMALE if i % 2 else Gender.MALE)
                add_enrolment(user.id, E("x", course_id, "complete", final=80, done_days=3))
    admin = make_user(role=Role.ADMIN)
    db.session.commit()
    login(client, admin)
    _attack(body_rows(page_of(client, "/reports/summary"), "summary"))
    for rows in (_csv_rows(client.get("/reports/summary/export.csv").data),
                 _xlsx_rows(client.get("/reports/summary/export.xlsx").data)):
        _attack([[r[1], r[3], r[4], r[5], r[6], r[7]] for r in rows[1:]])
    out = tmp_path / "summary.csv"
    today = date.today()
    result = runner.invoke(args=["reports", "summary", "--from", (today - timedelta(days=365)).isoformat(),
                                 "--to", today.isoformat(), "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    _attack([[r[1], r[3], r[4], r[5], r[6], r[7]] for r in _csv_rows(out.read_bytes())[1:]])


def test_the_threshold_is_configurable(app, client, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_SMALL_GROUP_THRESHOLD", 11)
    _population_for_suppression()
    admin = make_user(role=Role.ADMIN)
    db.session.commit()
    login(client, admin)
    got = {(r[0], r[1]): r[2:] for r in body_rows(page_of(client, "/reports/summary"), "summary")}
    assert got[("Country UZ", TITLES[A])] == ["<11", "<11", "—", "<11"]
    assert got[("Country TJ", TITLES[A])][0] == "12"


# Scope: nobody outside it appears, through any route, filter, export or search --------------

OUTSIDERS = {"institution": ["b1", "b2", "b3", "c1", "c2", "c3"], "country": ["c1", "c2", "c3"]}


@pytest.mark.parametrize("scope", ["institution", "country"])
def test_managers_never_see_anyone_outside_their_scope(client, ctx, scope):
    world = build_world()
    login(client, viewer_of(world, scope))
    outsiders = OUTSIDERS[scope]
    outside_inst = world.inst["pc"].id
    cohort = Cohort(name="Mixed", institution_id=world.inst["pc"].id,
                    members=[world.users[k] for k in ("a1", "c1", "b1")])
    db.session.add(cohort)
    db.session.commit()

    def assert_clean(text: str, where: str) -> None:
        # Leave out what merely echoes the request (search box, links carrying the query).
        text = re.sub(r"<form.*?</form>|href=\"[^\"]*\"", "", text, flags=re.S)
        for key in outsiders:
            assert f"PN-{key}" not in text and f"Officer {key}" not in text, (where, key)
        assert "PN-trainer" not in text, where

    urls = [
        "/reports/dashboard", f"/reports/dashboard?course={B}", "/reports/register",
        f"/reports/register?institution={outside_inst}", "/reports/register?q=officer+c",
        "/reports/register?q=PN-c1", "/reports/register?status=complete", "/reports/register?gender=male",
        f"/reports/register?completed_from={(TODAY - timedelta(days=999)).isoformat()}",
        "/reports/register/export.csv", f"/reports/register/export.csv?institution={outside_inst}",
        "/reports/register/export.csv?q=PN-c", "/reports/summary", "/reports/summary/export.csv",
        "/reports/progress", f"/reports/progress?cohort={cohort.id}", f"/reports/progress?institution={outside_inst}",
        "/reports/questions",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_clean(response.get_data(as_text=True), url)
    for url in ("/reports/register/export.xlsx", "/reports/summary/export.xlsx"):
        rows = _xlsx_rows(client.get(url).data)
        assert_clean(repr(rows), url)
    # Outside institutions do not appear in breakdowns or filter choices.
    for url in ("/reports/dashboard", "/reports/register", "/reports/progress"):
        assert "Prison Gamma" not in client.get(url).get_data(as_text=True), url
    assert "Country KG" not in client.get("/reports/summary").get_data(as_text=True)
    register = page_of(client, f"/reports/register?institution={outside_inst}")
    assert _register_keys(register) == set()
    for key in outsiders:
        assert client.get(f"/reports/people/{world.users[key].id}").status_code == 404
    assert client.get(f"/reports/people/{world.users['a1'].id}").status_code == 200


def test_officers_are_refused_every_report(client, ctx):
    world = build_world()
    login(client, world.users["a1"])
    for url in ("/reports/", "/reports/dashboard", "/reports/register", "/reports/register/export.csv",
                "/reports/register/export.xlsx", f"/reports/people/{world.users['a1'].id}",
                "/reports/summary", "/reports/summary/export.csv", "/reports/progress", "/reports/questions"):
        assert client.get(url).status_code == 403, url


def test_reports_link_on_the_home_page_for_staff_only(client, ctx):
    world = build_world()
    login(client, world.country_manager)
    assert 'href="/reports/"' in client.get("/").get_data(as_text=True)
    client.post("/logout")
    login(client, world.users["a1"])
    assert 'href="/reports/"' not in client.get("/").get_data(as_text=True)


# Training record ---------------------------------------------------------------------------

def test_training_record_shows_courses_attempts_runs_sessions_and_completions_in_order(client, ctx):
    world = build_world()
    a1 = world.users["a1"]
    db.session.add(QuizAttempt(
        user_id=a1.id, course_id=A, course_version=1, module_id="01-admission-basics",
        quiz_id="01-admission-basics-quiz", number=1, layout=[], draft={},
        started_at=NOW - timedelta(days=20), submitted_at=NOW - timedelta(days=20), score=40, passed=False))
    db.session.add(ScenarioRun(
        user_id=a1.id, course_id=A, course_version=1, module_id="02-role-play-admission",
        scenario_id="s", started_at=NOW - timedelta(days=15), finished_at=NOW - timedelta(days=15),
        score=8, passed=True))
    attended = ClassroomSession(trainer_id=world.trainer.id, course_id=A, course_version=1,
                                module_id="02-role-play-admission", held_on=TODAY - timedelta(days=12),
                                place="Hall 7", attendees=[a1.id, world.users["a2"].id])
    # Only a longer id containing a1's digits: must not count as attendance.
    other = ClassroomSession(trainer_id=world.trainer.id, course_id=A, course_version=1,
                             module_id="02-role-play-admission", held_on=TODAY - timedelta(days=11),
                             place="Room 99", attendees=[int(f"{a1.id}0"), int(f"9{a1.id}")])
    db.session.add_all([attended, other])
    db.session.commit()
    login(client, world.country_manager)
    page = page_of(client, f"/reports/people/{a1.id}")
    courses = body_rows(page, "record-courses")
    assert [(r[0], r[1], r[5], r[6]) for r in courses] == [(TITLES[A], "Complete", "50", "90")]
    timeline = page.ids["timeline"]
    order = ["Enrolled", "Pre-test", "Quiz attempt", "Role-play run", "Classroom session", "Course completed"]
    positions = [timeline.index(word) for word in order]
    assert positions == sorted(positions)
    assert "Hall 7" in timeline and "Room 99" not in timeline
    assert "Admission basics" in timeline or "01-admission-basics" not in timeline
    assert "Final score: 90%" in timeline and "Score: 40%" in timeline


# Trainers: progress per module, question analysis -------------------------------------------

def test_progress_shows_each_cohort_member_module_by_module(client, ctx):
    world = build_world()
    a1, a3, c1 = world.users["a1"], world.users["a3"], world.users["c1"]
    cohort = Cohort(name="Spring cohort", institution_id=world.inst["pa"].id, trainer_id=world.trainer.id,
                    members=[a1, a3, c1])
    db.session.add(cohort)
    db.session.add_all([
        ModuleProgress(user_id=a1.id, course_id=A, module_id="01-admission-basics", course_version=1,
                       lesson_read_at=NOW, quiz_passed_at=NOW, completed_at=NOW),
        ModuleProgress(user_id=a1.id, course_id=A, module_id="02-role-play-admission", course_version=1,
                       scenario_passed_at=NOW, completed_at=NOW),
        ModuleProgress(user_id=a3.id, course_id=A, module_id="01-admission-basics", course_version=1,
                       lesson_read_at=NOW),
    ])
    db.session.commit()
    login(client, world.trainer)
    page = page_of(client, f"/reports/progress?course={A}&cohort={cohort.id}")
    rows = {r[0].split()[-1]: r[1:] for r in body_rows(page, "progress") if len(r) > 1}
    assert rows["PN-a1"] == ["Complete", "Complete", "Complete", "50", "90"]
    assert rows["PN-a3"] == ["In progress", "In progress", "Not started", "55", "—"]
    # c1 is in another country but in the trainer's cohort: a trainer sees the cohort members.
    assert rows["PN-c1"][0] == "Complete"
    assert set(rows) == {"PN-a1", "PN-a3", "PN-c1"}


QUIZ = "01-admission-basics-quiz"
CORRECT = {"q-dignity-rule-1": ["a"], "q-language-rule-55": ["a"], "q-written-information-content": ["a", "b", "c"],
           "q-family-rule-68": ["true"], "q-injuries-in-file": ["false"]}


def question_rows(page: _Page) -> dict[str, list[str]]:
    """The analysis table by question id (rows follow the quiz's question order)."""
    rows = body_rows(page, "questions")
    assert len(rows) == len(CORRECT)
    return {qid: row[1:] for qid, row in zip(CORRECT, rows, strict=True)}


def _answers(i: int) -> dict[str, list[str]]:
    """Attempt i (score 10*i) of ten: known answers per question."""
    return {
        "q-dignity-rule-1": ["a"] if i >= 5 else (["b"] if i < 3 else ["c"]),
        "q-language-rule-55": ["c"],
        "q-written-information-content": ["a", "b", "c"],
        "q-family-rule-68": ["true"] if i % 2 == 0 else ["false"],
        "q-injuries-in-file": ["false"] if i < 7 else ["true"],
    }


def _add_attempt(user_id: int, number: int, score: int, answers: dict[str, list[str]]) -> None:
    attempt = QuizAttempt(user_id=user_id, course_id=A, course_version=1, module_id="01-admission-basics",
                          quiz_id=QUIZ, number=number, layout=[], draft={}, started_at=NOW,
                          submitted_at=NOW, score=score, passed=score >= 70)
    db.session.add(attempt)
    db.session.flush()
    for pos, (qid, chosen) in enumerate(answers.items()):
        db.session.add(AttemptAnswer(attempt_id=attempt.id, position=pos, question_id=qid, selected=chosen,
                                     is_correct=sorted(chosen) == sorted(CORRECT[qid])))


def test_question_analysis_share_correct_wrong_option_discrimination_and_flags(client, ctx):
    world = build_world()
    kz = [world.users[k] for k in ("a1", "a2", "a3", "a4", "a5", "a6", "b1", "b2", "b3")]
    for i in range(10):
        _add_attempt(kz[i % 9].id, 10 + i, 10 * i, _answers(i))
    # Two attempts abroad, all wrong: counted for the admin only.
    for key in ("c1", "c2"):
        _add_attempt(world.users[key].id, 1, 0, {q: ["b"] if q != "q-family-rule-68" else ["false"]
                                                 for q in CORRECT} | {"q-written-information-content": ["d"]})
    # An open (unsubmitted) attempt is ignored.
    db.session.add(QuizAttempt(user_id=world.users["a1"].id, course_id=A, course_version=1,
                               module_id="01-admission-basics", quiz_id=QUIZ, number=99, layout=[], draft={}))
    db.session.commit()

    login(client, world.country_manager)
    page = page_of(client, f"/reports/questions?course={A}&quiz={QUIZ}")
    assert page.ids["attempts"].startswith("10 submitted attempts")
    table = question_rows(page)
    assert table["q-dignity-rule-1"][:2] == ["10", "50.0%"]
    assert table["q-dignity-rule-1"][2].endswith("(3 times)")  # b, chosen by attempts 0-2
    assert table["q-dignity-rule-1"][3] == "1.00"  # upper (9, 8) right, lower (0, 1) wrong
    assert table["q-language-rule-55"][1:] == [table["q-language-rule-55"][1], table["q-language-rule-55"][2], "0.00", "Nearly everyone fails"]
    assert table["q-language-rule-55"][1] == "0.0%" and table["q-language-rule-55"][2].endswith("(10 times)")
    assert table["q-written-information-content"][1:] == ["100.0%", "—", "0.00", "Nearly everyone passes"]
    assert table["q-family-rule-68"][1] == "50.0%" and table["q-family-rule-68"][3] == "0.00"
    assert table["q-injuries-in-file"][1] == "70.0%" and table["q-injuries-in-file"][3] == "-1.00"
    client.post("/logout")

    login(client, world.admin)
    page = page_of(client, f"/reports/questions?course={A}&quiz={QUIZ}")
    assert page.ids["attempts"].startswith("12 submitted attempts")
    written = question_rows(page)["q-written-information-content"]
    assert written[:2] == ["12", "83.3%"] and written[2].endswith("(2 times)")  # option d, abroad


def test_question_analysis_works_in_every_language_of_the_course(client, ctx):
    world = build_world()
    for i in range(4):
        _add_attempt(world.users["a1"].id, 10 + i, 25 * i, _answers(i * 3))
    world.country_manager.locale = "kk"
    db.session.commit()
    login(client, world.country_manager)
    page = page_of(client, f"/reports/questions?course={A}&quiz={QUIZ}")
    assert len(body_rows(page, "questions")) == 5
    assert re.search(r"\b4\b", page.ids["attempts"])


# A fixed number of queries whatever the number of officers ---------------------------------

def _grow(institutions, start: int, count: int) -> None:
    for n in range(start, start + count):
        user = make_user(institution=institutions[n % len(institutions)],
                         gender=Gender.FEMALE if n % 3 else Gender.MALE, number=f"Q-{n}")
        state = ("complete", "in_progress", "overdue", "not_started")[n % 4]
        add_enrolment(user.id, E("q", A, state, final=60 + n % 40 if state == "complete" else None,
                                 pre=30 + n % 50, done_days=n % 300 if state == "complete" else None,
                                 due=-3 if state == "overdue" else None))
        if n % 2:
            _add_attempt(user.id, 1, 10 * (n % 10), _answers(n % 10))
    db.session.commit()


def test_reports_run_the_same_number_of_queries_for_10_and_100_officers(app, client, ctx):
    sample_course()
    kz = make_country("KZ")
    institutions = [make_institution(kz) for _ in range(3)]
    manager = make_user(role=Role.MANAGER, institution=institutions[0], scope_country=kz)
    cohort = Cohort(name="All", institution_id=institutions[0].id)
    db.session.add(cohort)
    db.session.commit()
    login(client, manager)
    urls = [f"/reports/dashboard?course={A}", f"/reports/register?course={A}", "/reports/register",
            "/reports/summary", f"/reports/progress?course={A}", f"/reports/questions?course={A}&quiz={QUIZ}"]
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    def measure() -> dict[str, int]:
        for url in urls:  # warm any per-process cache (course content) first
            client.get(url)
        out = {}
        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", count)
            try:
                for url in urls:
                    statements.clear()
                    assert client.get(url).status_code == 200
                    out[url] = len(statements)
            finally:
                sa.event.remove(db.engine, "before_cursor_execute", count)
        return out

    _grow(institutions, 0, 10)
    small = measure()
    _grow(institutions, 10, 90)
    large = measure()
    assert small == large
    assert large[f"/reports/dashboard?course={A}"] <= 8
    assert large[f"/reports/register?course={A}"] <= 8


def test_every_export_is_audited_on_the_web_and_the_command_line(client, ctx, runner, tmp_path):
    from lms.org.models import AuditEvent

    world = build_world()
    db.session.commit()
    login(client, world.admin)
    for fmt in ("csv", "xlsx"):
        assert client.get(f"/reports/summary/export.{fmt}?start=2026-01-01&end=2026-06-30").status_code == 200
    for args in (["reports", "summary", "--from", "2026-01-01", "--to", "2026-12-31"],
                 ["reports", "completions", "--scope", "country:KZ"]):
        result = runner.invoke(args=[*args, "--format", "csv", "--out", str(tmp_path / "x.csv")])
        assert result.exit_code == 0, result.output
    db.session.expire_all()
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "report.exported")
                                .order_by(AuditEvent.id)).all()
    assert [(e.actor_id, e.target, e.detail.get("format")) for e in events] == [
        (world.admin.id, "summary", "csv"), (world.admin.id, "summary", "xlsx"),
        (None, "summary", "csv"), (None, "register", "csv")]
    assert events[0].detail["start"] == "2026-01-01" and events[0].detail["end"] == "2026-06-30"
    assert events[-1].detail["scope"] == "country:KZ"
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Report exported" in page


# Scores kept on the enrolment ---------------------------------------------------------------

def _scores_by_the_joins() -> dict[int, tuple]:
    """Each enrolment's final and pre-test score by the rule the reports used to join for:
    a completed enrolment's completion of the latest version (none of a later version), and
    the first pre-test attempt once submitted."""
    done, later, pre = (sa.orm.aliased(CourseCompletion), sa.orm.aliased(CourseCompletion),
                        sa.orm.aliased(QuizAttempt))
    rows = db.session.execute(
        sa.select(Enrolment.user_id, done.final_score, pre.score)
        .select_from(Enrolment)
        .outerjoin(done, sa.and_(
            Enrolment.completed_at.is_not(None), done.user_id == Enrolment.user_id,
            done.course_id == Enrolment.course_id,
            ~sa.exists().where(later.user_id == done.user_id, later.course_id == done.course_id,
                               later.course_version > done.course_version)))
        .outerjoin(pre, sa.and_(pre.user_id == Enrolment.user_id, pre.course_id == Enrolment.course_id,
                                pre.is_pre_test.is_(True), pre.number == 1, pre.submitted_at.is_not(None)))
    ).all()
    assert len({r[0] for r in rows}) == len(rows)
    return {user_id: (final, pre_score) for user_id, final, pre_score in rows}


def test_a_manager_sees_the_scores_kept_on_the_enrolment_as_the_completions_and_attempts_give_them(app, ctx):
    """Completed once; completed version 1, then version 2 with another score (the latest
    counts); pre-test skipped; pre-test taken twice (the first counts); not completed."""
    from lms.quizzes import attempts as quiz_attempts
    from lms.reports import queries
    from lms.reports.queries import RegisterFilter, register_page
    from tests.course_helpers import (
        best_path,
        correct_answers,
        enrol,
        play_scenario,
        take_quiz,
    )
    from tests.test_new_version_choice import _publish_v2

    m1, m2 = "01-admission-basics", "02-role-play-admission"
    v1 = load_sample()
    home = make_institution(make_country("KZ"))
    names = ("once", "twice", "skipped", "retaken", "unfinished")
    officers = {n: make_user(institution=home, number=f"PN-{n}", name=f"Officer {n}") for n in names}
    manager = make_user(role=Role.MANAGER, institution=home, scope_institution=home, number="PN-m")
    db.session.commit()

    def walk(name: str, pre: str | None, finish: bool) -> None:
        client = app.test_client()
        login(client, officers[name])
        enrol(client, skip_pre_test=pre is None)
        if pre is not None:
            take_quiz(client, v1, "00-pre-test", correct=pre == "right")
        if finish:
            client.post(f"/courses/{COURSE}/modules/{m1}/read")
            take_quiz(client, v1, m1)
            play_scenario(client, v1, m2, best_path(v1.module(m2)["scenario"]))

    walk("once", "wrong", True)
    walk("twice", "wrong", True)
    walk("skipped", None, True)
    walk("retaken", None, True)
    walk("unfinished", "right", False)
    # A second pre-test attempt (the fixture allows one; a course may allow more), graded
    # the way every attempt is: the first one's score stays.
    twice = officers["twice"].id
    second = QuizAttempt(user_id=twice, course_id=COURSE, course_version=1, module_id="00-pre-test",
                         quiz_id="00-pre-test-quiz", number=2, is_pre_test=True, draft={},
                         layout=[[q["id"], [o["id"] for o in q["options"]]]
                                 for q in v1.content["pre_test"]["quiz"]["questions"]])
    db.session.add(second)
    db.session.flush()
    assert quiz_attempts.submit(second, v1, correct_answers(v1, "00-pre-test"))
    db.session.commit()
    # Version 2, completed again with a lower score (the attempt's score lowered here
    # stands for a weaker result on the new version): its completion's score counts.
    _publish_v2(None)
    retaken = officers["retaken"].id
    db.session.execute(sa.update(QuizAttempt).where(QuizAttempt.user_id == retaken, QuizAttempt.module_id == m1)
                       .values(score=75))
    db.session.commit()
    client = app.test_client()
    login(client, officers["retaken"])
    client.post(f"/courses/{COURSE}/modules/{m1}/read")
    db.session.expire_all()
    versions = db.session.execute(sa.select(CourseCompletion.course_version, CourseCompletion.final_score)
                                  .where(CourseCompletion.user_id == retaken)
                                  .order_by(CourseCompletion.course_version)).all()
    assert versions == [(1, 100), (2, 75)]

    expected = {"once": (100, 0), "twice": (100, 0), "skipped": (100, None), "retaken": (75, None),
                "unfinished": (None, 100)}
    by_id = {officers[n].id: expected[n] for n in names}
    assert _scores_by_the_joins() == by_id  # as the reports joined for them before
    stored = db.session.execute(sa.select(Enrolment.user_id, Enrolment.final_score, Enrolment.pre_test_score)).all()
    assert {user_id: (final, pre) for user_id, final, pre in stored} == by_id

    # What the manager sees: the register's rows and the dashboard's averages and gain.
    rows, _more = register_page(manager, RegisterFilter(course_id=COURSE), TODAY, 1, 50)
    assert {r.user_id: (r.final_score, r.pre_test_score) for r in rows} == by_id
    total = queries.dashboard(manager, COURSE, TODAY).total
    assert (total.enrolled, total.completed, total.score_count, total.score_sum) == (5, 4, 4, 375)
    assert (total.gain_count, total.gain_final_sum, total.gain_pre_sum) == (2, 200, 0)
    assert total.knowledge_gain == 100 and total.average_final_score == 93.75
