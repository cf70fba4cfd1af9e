"""Case-file assessment practice (docs/courses.md, `rate`): a written justification beside each
rating, a proposed placement or next step, the review side by side with the expert's, and
the trainers' view of their officers' ratings and justifications."""

from __future__ import annotations

import re
import shutil
from fractions import Fraction

import pytest
import sqlalchemy as sa
import yaml
from flask import current_app
from hypothesis import given
from hypothesis import strategies as st

from lms.catalog.spec import read_course
from lms.extensions import db
from lms.quizzes.attempts import text_key
from lms.quizzes.grading import PLACEMENT, credit, pair, placement_choice
from lms.quizzes.models import AttemptText, QuizAttempt
from tests.factories import login, make_user
from tests.test_exercise_formats import COURSE, FORMATS, form_from_page, load_formats, plain

MODULE, QUIZ, Q = "03-case-plan", "03-case-plan-quiz", "q-case-m"
RIGHT = {"f-engagement": "high", "f-disorder": "low"}


# Grading: the placement is one more share when graded ------------------------------------------

@given(st.lists(st.sampled_from(["low", "moderate", "high"]), min_size=2, max_size=4),
       st.lists(st.sampled_from(["low", "moderate", "high"]), min_size=4, max_size=4),
       st.sampled_from(["a", "b", None]), st.booleans())
def test_a_graded_placement_counts_as_one_more_share_and_an_ungraded_one_not_at_all(experts, ratings, chosen, graded):
    scale = ["low", "moderate", "high"]
    question = {"id": "q", "type": "rate", "categories": [{"id": p} for p in scale], "tolerance": 0, "options": [],
                "items": [{"id": f"f{k}", "category": e} for k, e in enumerate(experts)],
                "placement": {"options": [{"id": "a"}, {"id": "b"}], "expert": "a", "graded": graded}}
    selected = {pair(f"f{k}", ratings[k]) for k in range(len(experts))}
    if chosen:
        selected.add(placement_choice(chosen))
    agree = sum(1 for k, e in enumerate(experts) if ratings[k] == e)
    expected = Fraction(agree + (chosen == "a"), len(experts) + 1) if graded else Fraction(agree, len(experts))
    assert credit(question, selected) == expected


# The course check --------------------------------------------------------------------------------

BAD = {
    "justification on a single question": (
        "01-practice", lambda q: q["q-open-question"].update(justification={"required": True}),
        "questions[q-open-question].justification", "only a rate question has justification"),
    "placement on a classify question": (
        "01-practice", lambda q: q["q-sort-talk"].update(placement={}),
        "questions[q-sort-talk].placement", "only a rate question has placement"),
    "max_length too short": (
        MODULE, lambda q: q[Q]["justification"].update(max_length=5),
        f"questions[{Q}].justification.max_length", "must be a whole number 20..2000"),
    "required not a yes or no": (
        MODULE, lambda q: q[Q]["justification"].update(required="yes"),
        f"questions[{Q}].justification.required", "must be true or false"),
    "unknown key in justification": (
        MODULE, lambda q: q[Q]["justification"].update(min_length=3),
        f"questions[{Q}].justification.min_length", "must be one of required, max_length"),
    "placement expert unknown": (
        MODULE, lambda q: q[Q]["placement"].update(expert="release"),
        f"questions[{Q}].placement.expert",
        "must be the id of one of the placement's options (p-keep, p-supervise, p-workshop)"),
    "placement with one option": (
        MODULE, lambda q: q[Q]["placement"].update(options=q[Q]["placement"]["options"][:1], expert="p-keep"),
        f"questions[{Q}].placement.options", "a placement needs at least two options"),
    "placement without reasoning": (
        MODULE, lambda q: q[Q]["placement"].pop("reasoning"), f"questions[{Q}].placement.reasoning", "is missing"),
    "placement graded not a yes or no": (
        MODULE, lambda q: q[Q]["placement"].update(graded="sometimes"), f"questions[{Q}].placement.graded",
        "must be true or false"),
    "placement reason not a mapping": (
        MODULE, lambda q: q[Q]["placement"].update(reason="yes"), f"questions[{Q}].placement.reason",
        "must be a mapping"),
    "placement option without translation": (
        MODULE, lambda q: q[Q]["placement"]["options"][0]["text"].pop("ar"),
        f"questions[{Q}].placement.options[0].text.ar", "missing translation"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_course_check_names_the_field_of_each_case_file_problem(tmp_path, case):
    module, change, field, message = BAD[case]
    course_dir = tmp_path / COURSE
    shutil.copytree(FORMATS, course_dir)
    quiz_path = course_dir / module / "quiz.yaml"
    data = yaml.safe_load(quiz_path.read_text(encoding="utf-8"))
    change({q["id"]: q for q in data["questions"]})
    quiz_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    course, problems = read_course(course_dir)
    assert course is None and (field, message) in [(p.field, p.message) for p in problems]


def test_the_editor_shows_the_new_problems_translated(app):
    from lms.authoring.messages import translate

    with app.test_request_context(headers={"Accept-Language": "ru"}):
        assert translate("a placement needs at least two options") != "a placement needs at least two options"
        translated = translate("must be the id of one of the placement's options (keep, workshop)")
        assert "keep, workshop" in translated and not translated.startswith("must be")


# The officer's pages -----------------------------------------------------------------------------

def start_case(client, number: str, locale: str | None = None, institution=None):
    user = make_user(number=number, locale=locale, institution=institution)
    db.session.commit()
    login(client, user)
    client.post(f"/courses/{COURSE}/enrol")
    client.post(f"/courses/{COURSE}/modules/{MODULE}/quiz/start")
    page = client.get(f"/courses/{COURSE}/modules/{MODULE}/quiz").get_data(as_text=True)
    return user, int(re.search(r'action="/attempts/(\d+)"', page).group(1)), page


def case_form(page: str, attempt_id: int, ratings: dict, placement: str | None = None,
              texts: dict | None = None, action: str = "submit") -> dict:
    """What a browser sends: ratings and the placement by their keys, each text in its field."""
    choices = [pair(f, r) for f, r in ratings.items()] + ([placement_choice(placement)] if placement else [])
    data = form_from_page(page, attempt_id, {Q: choices}, action=action)
    for part, text in (texts or {}).items():
        name = "t-" + text_key(current_app.config["SECRET_KEY"], attempt_id, Q, part)
        assert f'name="{name}"' in page  # the page offers this field
        data[name] = [text]
    return data


def stored_texts(attempt_id: int) -> dict[str, str]:
    db.session.expire_all()
    return {t.part_id: t.text for t in db.session.scalars(
        sa.select(AttemptText).where(AttemptText.attempt_id == attempt_id))}


WHY = {"f-engagement": "Attends every class and helps two others read.",
       "f-disorder": "No report in six months.\nNothing points to disorder."}


def test_justifications_and_the_reason_are_stored_with_the_submitted_attempt(client, ctx):
    load_formats()
    _user, attempt_id, page = start_case(client, "cf-store")
    texts = {**WHY, PLACEMENT: "He is ready for work training."}
    client.post(f"/attempts/{attempt_id}", data=case_form(page, attempt_id, RIGHT, "p-workshop", texts))
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.is_submitted and attempt.score == 100
    assert stored_texts(attempt_id) == texts


def test_the_placement_is_graded_as_one_more_share(client, ctx):
    load_formats()
    _user, attempt_id, page = start_case(client, "cf-graded")
    client.post(f"/attempts/{attempt_id}", data=case_form(page, attempt_id, RIGHT, "p-supervise", WHY))
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt_id).score == 66  # two factors of three shares


def test_a_saved_justification_comes_back_when_the_officer_resumes(client, ctx):
    load_formats()
    _user, attempt_id, page = start_case(client, "cf-resume")
    texts = {"f-engagement": "Half written: attends the class", PLACEMENT: "Not sure yet"}
    client.post(f"/attempts/{attempt_id}",
                data=case_form(page, attempt_id, {"f-engagement": "high"}, "p-keep", texts, action="save"))
    resumed = client.get(f"/courses/{COURSE}/modules/{MODULE}/quiz").get_data(as_text=True)
    assert ">Half written: attends the class</textarea>" in resumed and ">Not sure yet</textarea>" in resumed
    assert resumed.count(" checked") == 2  # the rating and the placement
    assert not db.session.get(QuizAttempt, attempt_id).is_submitted


def test_a_justification_too_long_is_refused_in_the_officers_language_and_kept(client, ctx):
    load_formats()
    _user, attempt_id, page = start_case(client, "cf-long", locale="ru")
    long_text = "Подробно. " * 30  # 300 characters, over the 200 this question allows
    texts = {"f-engagement": long_text, "f-disorder": "Рапортов нет."}
    response = client.post(f"/attempts/{attempt_id}", data=case_form(page, attempt_id, RIGHT, "p-workshop", texts))
    assert response.status_code == 302 and "refused=1" in response.headers["Location"]
    db.session.expire_all()
    assert not db.session.get(QuizAttempt, attempt_id).is_submitted
    assert stored_texts(attempt_id) == {"f-engagement": long_text.strip(), "f-disorder": "Рапортов нет."}
    again = client.get(response.headers["Location"]).get_data(as_text=True)
    text = plain(again)
    assert "Ответы еще не отправлены" in text or "не отправлены" in text  # the flash, in Russian
    assert "Слишком длинно" in text and "не более 200" in text
    assert f">{long_text.strip()}</textarea>" in again  # kept to be shortened
    assert again.count(" checked") == 3  # ratings and placement kept too
    # Shortened, it goes through.
    texts["f-engagement"] = "Посещает все занятия."
    client.post(f"/attempts/{attempt_id}", data=case_form(again, attempt_id, RIGHT, "p-workshop", texts))
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt_id).score == 100


def test_a_required_justification_left_empty_is_refused_and_the_field_marked(client, ctx):
    load_formats()
    _user, attempt_id, page = start_case(client, "cf-missing")
    response = client.post(f"/attempts/{attempt_id}",
                           data=case_form(page, attempt_id, RIGHT, "p-workshop", {"f-engagement": "Attends."}))
    db.session.expire_all()
    assert not db.session.get(QuizAttempt, attempt_id).is_submitted
    again = plain(client.get(response.headers["Location"]).get_data(as_text=True))
    assert again.count("Required: write a few words to explain your answer.") == 1
    assert stored_texts(attempt_id) == {"f-engagement": "Attends."}


def test_the_review_shows_each_rating_and_justification_beside_the_experts(client, ctx):
    version = load_formats()
    q = version.module(MODULE)["quiz"]["questions"][0]
    _user, attempt_id, page = start_case(client, "cf-review")
    texts = {"f-engagement": "<b>Attends</b> & helps", "f-disorder": "Quiet so far.", PLACEMENT: "Keep watching."}
    client.post(f"/attempts/{attempt_id}",
                data=case_form(page, attempt_id, {"f-engagement": "moderate", "f-disorder": "low"}, "p-keep", texts))
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "<b>Attends</b>" not in html and "&lt;b&gt;Attends&lt;/b&gt; &amp; helps" in html  # plain text
    review = plain(html)
    # Disorder rated exactly as the expert did; engagement one step off with a tolerance of 0.
    assert "Your rating: Low" in review and "Your rating: Moderate" in review
    assert "Agrees with the expert: exactly" in review and review.count("Differs from the expert") == 2
    assert "Your justification: Quiet so far." in review
    assert "Your proposal: Keep the current plan and review it in three months" in review
    assert "Your reason: Keep watching." in review
    # The quiz is failed (33%) with attempts left: the review shows the expert's rating and
    # reasoning for the factor rated right, not for the others nor the placement.
    assert f"Expert reasoning: {q['items'][1]['feedback']['en']}" in review
    assert q["items"][0]["feedback"]["en"] not in review
    assert q["placement"]["reasoning"]["en"] not in review
    assert "The expert's proposal is shown once the review may show the answers." in review


def test_once_the_answers_may_show_the_review_gives_the_experts_proposal_and_reasoning(client, ctx):
    version = load_formats()
    q = version.module(MODULE)["quiz"]["questions"][0]
    _user, attempt_id, page = start_case(client, "cf-review-pass")
    client.post(f"/attempts/{attempt_id}",
                data=case_form(page, attempt_id, {"f-engagement": "high", "f-disorder": "moderate"}, "p-keep", WHY))
    review = plain(client.get(f"/attempts/{attempt_id}").get_data(as_text=True))
    assert "Your score: 33%" in review  # failed: nothing more shown yet
    # A pass (2 of 3) reveals everything.
    client.post(f"/courses/{COURSE}/modules/{MODULE}/quiz/start")
    page = client.get(f"/courses/{COURSE}/modules/{MODULE}/quiz").get_data(as_text=True)
    second = int(re.search(r'action="/attempts/(\d+)"', page).group(1))
    client.post(f"/attempts/{second}",
                data=case_form(page, second, {"f-engagement": "high", "f-disorder": "moderate"}, "p-workshop", WHY))
    review = plain(client.get(f"/attempts/{second}").get_data(as_text=True))
    assert "Expert rating: Low" in review and q["items"][1]["feedback"]["en"] in review
    assert "Expert's proposal: Offer him a place in the vocational workshop" in review
    assert q["placement"]["reasoning"]["en"] in review


def test_the_quiz_page_gives_nothing_of_the_experts_away(client, ctx):
    version = load_formats()
    q = version.module(MODULE)["quiz"]["questions"][0]
    _user, attempt_id, page = start_case(client, "cf-leak")
    for secret in ["p-workshop", "p-supervise", "p-keep", "f-engagement", "f-disorder", "placement=",
                   q["placement"]["reasoning"]["en"], *(f["feedback"]["en"] for f in q["items"])]:
        assert secret not in page
    names = re.findall(r'<textarea[^>]* name="([^"]+)"', page)
    assert len(names) == 3 and all(re.fullmatch(r"t-[a-z2-7]{16}", n) for n in names)
    # A field sent under a factor's id instead of its key is not taken.
    data = case_form(page, attempt_id, RIGHT, "p-workshop", WHY) | {"t-f-engagement": ["forged"]}
    client.post(f"/attempts/{attempt_id}", data=data)
    assert "forged" not in stored_texts(attempt_id).values()


def test_bad_written_input_never_fails_the_server(client, ctx):
    load_formats()
    _user, attempt_id, page = start_case(client, "cf-bad")
    name = "t-" + text_key(current_app.config["SECRET_KEY"], attempt_id, Q, "f-engagement")
    data = case_form(page, attempt_id, RIGHT, "p-workshop", {"f-disorder": "ok"})
    for value in ["\x01 controls \x7f", "x" * 50_000, "\r\nline\rline\n"]:
        response = client.post(f"/attempts/{attempt_id}", data={**data, name: [value], "action": ["save"]})
        assert response.status_code == 302
    assert stored_texts(attempt_id)["f-engagement"] == "line\nline"
    response = client.post(f"/attempts/{attempt_id}", data={**data, name: ["a", "b"]})  # two values
    assert response.status_code == 302


def _english_only(value):
    if isinstance(value, dict):
        return {k: _english_only(v) for k, v in value.items() if k not in ("ru", "ar")}
    if isinstance(value, list):
        return [_english_only(v) for v in value]
    return value


def test_the_editors_officer_preview_takes_ratings_justifications_and_the_placement(client, ctx):
    from lms.authoring import drafts
    from lms.quizzes.attempts import option_key
    from tests.test_exercise_formats import _formats_draft

    author, draft = _formats_draft("f75")
    quiz = _english_only(yaml.safe_load((FORMATS / MODULE / "quiz.yaml").read_text(encoding="utf-8")))
    drafts.save(draft, author, 2, {"01-q/quiz.yaml": yaml.safe_dump(quiz, allow_unicode=True).encode()})
    db.session.commit()
    login(client, author)
    page = client.get("/authoring/courses/f75/as-officer/quiz?module=01-q&lang=en").get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]+)">', page).group(1).replace("&amp;", "&")
    assert page.count("<textarea") == 3 and 'class="classify-item placement"' in page
    secret = current_app.config["SECRET_KEY"]
    names = dict((v, n) for n, v in re.findall(r'<input type="radio" name="([^"]+)" value="([^"]+)"', page))
    data = {"action": "submit"}
    for choice in [pair(f, r) for f, r in RIGHT.items()] + [placement_choice("p-workshop")]:
        key = option_key(secret, 0, Q, choice)
        data[names[key]] = key
    for part, text in {**WHY, PLACEMENT: "Ready for work training."}.items():
        data["t-" + text_key(secret, 0, Q, part)] = text
    review = plain(client.post(action, data=data).get_data(as_text=True))
    assert "Your score: 100%" in review
    assert "Your justification: Attends every class and helps two others read." in review
    assert "Your reason: Ready for work training." in review
    assert "Expert's proposal: Offer him a place in the vocational workshop" in review
    # Too long a justification: the preview shows the attempt page with the field marked, text kept.
    data["t-" + text_key(secret, 0, Q, "f-disorder")] = "x" * 201
    again = client.post(action, data=data).get_data(as_text=True)
    assert "Too long: 201 characters, at most 200." in plain(again) and "x" * 201 + "</textarea>" in again
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt)) == 0


# Trainers: each factor's ratings, where officers diverge, and each officer's justifications -----

def _answer_case(client, number: str, institution, ratings: dict, placement: str, texts: dict) -> int:
    _user, attempt_id, page = start_case(client, number, institution=institution)
    client.post(f"/attempts/{attempt_id}", data=case_form(page, attempt_id, ratings, placement, texts))
    client.post("/logout")
    return attempt_id


def _trainers_population(client):
    from lms.org.models import Cohort, Role
    from tests.factories import make_institution

    load_formats()
    home, other = make_institution(name="Home prison"), make_institution(name="Other prison")
    # Worked out by hand: engagement (expert high) rated high, moderate, low: 1 of 3 agree,
    # 1 step on average; disorder (expert low) rated low, low, high: 2 of 3, 0.67 steps.
    _answer_case(client, "cf-a1", home, {"f-engagement": "high", "f-disorder": "low"}, "p-workshop",
                 {"f-engagement": "A1 saw every class attended.", "f-disorder": "A1: no reports."})
    _answer_case(client, "cf-a2", home, {"f-engagement": "moderate", "f-disorder": "low"}, "p-keep",
                 {"f-engagement": "A2 <i>unsure</i>.", "f-disorder": "A2: quiet.", PLACEMENT: "A2 wants to wait."})
    _answer_case(client, "cf-a3", home, {"f-engagement": "low", "f-disorder": "high"}, "p-supervise",
                 {"f-engagement": "A3 doubts it.", "f-disorder": "A3 fears trouble."})
    _answer_case(client, "cf-b1", other, {"f-engagement": "low", "f-disorder": "low"}, "p-keep",
                 {"f-engagement": "B1 elsewhere.", "f-disorder": "B1 text."})
    trainer = make_user(role=Role.TRAINER, institution=home, scope_institution=home, number="cf-trainer")
    other_trainer = make_user(role=Role.TRAINER, institution=other, scope_institution=other, number="cf-trainer-b")
    cohort = Cohort(name="Other cohort", institution_id=other.id, trainer_id=other_trainer.id)
    db.session.add(cohort)
    db.session.commit()
    return trainer, cohort


CASE_URL = f"/reports/case-file?course={COURSE}&quiz={QUIZ}&question={Q}"


def test_a_trainer_sees_each_factors_ratings_and_the_justifications_of_officers_in_scope(client, ctx):
    from tests.test_reports import page_of

    trainer, _cohort = _trainers_population(client)
    login(client, trainer)
    analysis = client.get(f"/reports/questions?course={COURSE}&quiz={QUIZ}").get_data(as_text=True)
    assert CASE_URL.replace("&", "&amp;") in analysis  # linked from the question analysis
    page = page_of(client, CASE_URL)
    assert page.ids["answers"].startswith("3 submitted answers")
    factors = {row[0]: row[1:] for row in page.tables["factors"][1:]}
    # Low, Moderate, High, not rated, expert, share agreeing, average steps
    assert factors["Engagement with the sentence plan"] == [
        "1 (33.3%)", "1 (33.3%)", "1 (33.3%)", "0", "High", "33.3%", "1.00"]
    assert factors["Risk of disorder in the unit"] == ["2 (66.7%)", "0 (0.0%)", "1 (33.3%)", "0", "Low", "66.7%", "0.67"]
    assert page.ids["diverging"].index("Engagement") < page.ids["diverging"].index("Risk of disorder")
    assert re.search(r"vocational workshop\s*:\s*1 the expert's proposal", page.ids["placement"])
    assert re.search(r"three months\s*:\s*1", page.ids["placement"])
    html = client.get(CASE_URL).get_data(as_text=True)
    for text in ["A1 saw every class attended.", "A2: quiet.", "A2 wants to wait.", "A3 fears trouble."]:
        assert text in html
    assert "A2 &lt;i&gt;unsure&lt;/i&gt;." in html and "<i>unsure</i>" not in html
    assert "B1 elsewhere." not in html and "cf-b1" not in html  # another institution's officer
    # A manager of the country sees both institutions' officers.
    from lms.org.models import Role
    from tests.factories import make_country

    manager = make_user(role=Role.MANAGER, scope_country=make_country(), number="cf-manager")
    db.session.commit()
    client.post("/logout")
    login(client, manager)
    html = client.get(CASE_URL).get_data(as_text=True)
    assert "B1 elsewhere." in html and "A1: no reports." in html


def test_the_case_file_report_is_refused_to_officers_and_for_a_cohort_out_of_scope(client, ctx):
    trainer, cohort = _trainers_population(client)
    officer = make_user(number="cf-curious")
    db.session.commit()
    login(client, officer)
    assert client.get(CASE_URL).status_code == 403
    client.post("/logout")
    login(client, trainer)
    assert client.get(f"{CASE_URL}&cohort={cohort.id}").status_code == 403
    assert client.get(CASE_URL.replace(Q, "q-nothing")).status_code == 404
    assert client.get(f"/reports/case-file?course={COURSE}&quiz=01-practice-quiz&question=q-sort-talk").status_code == 404
    assert client.get(f"{CASE_URL}&page=abc").status_code == 200
    assert client.get(f"/reports/case-file?course=nope&quiz={QUIZ}&question={Q}").status_code == 404


def test_the_case_file_report_sends_as_many_queries_for_one_officer_as_for_many(app, client, ctx):
    from lms.org.models import Role
    from tests.factories import make_institution
    from tests.querycount import count_queries

    load_formats()
    home = make_institution(name="Counted prison")
    trainer = make_user(role=Role.TRAINER, institution=home, scope_institution=home, number="cf-count-trainer")
    db.session.commit()
    counts = []
    for n in range(4):
        picks = [("high", "low"), ("moderate", "high"), ("low", "moderate"), ("high", "high")][n]
        _answer_case(client, f"cf-count-{n}", home, dict(zip(["f-engagement", "f-disorder"], picks, strict=True)),
                     "p-keep", WHY)
        if n in (0, 3):
            login(client, trainer)
            assert client.get(CASE_URL).status_code == 200  # warm
            with count_queries(app) as statements:
                assert client.get(CASE_URL).status_code == 200
            counts.append(len(statements))
            client.post("/logout")
    assert counts[0] == counts[1], counts


def test_the_quiz_files_preview_grades_the_placement_and_shows_the_experts_proposal(client, ctx):
    from lms.authoring import drafts
    from tests.test_exercise_formats import _formats_draft

    author, draft = _formats_draft("f76")
    quiz = _english_only(yaml.safe_load((FORMATS / MODULE / "quiz.yaml").read_text(encoding="utf-8")))
    drafts.save(draft, author, 2, {"01-q/quiz.yaml": yaml.safe_dump(quiz, allow_unicode=True).encode()})
    db.session.commit()
    login(client, author)
    url = "/authoring/courses/f76/quiz?module=01-q"
    answers = {f"q-{Q}.1": "f-engagement:high", f"q-{Q}.2": "f-disorder:low"}
    wrong = plain(client.post(url, data={**answers, f"q-{Q}.p": "placement=p-keep"}).get_data(as_text=True))
    assert "Score: 66 of the pass score 50" in wrong
    right = plain(client.post(url, data={**answers, f"q-{Q}.p": "placement=p-workshop"}).get_data(as_text=True))
    assert "Score: 100 of the pass score 50" in right
    assert "Expert's proposal: Offer him a place in the vocational workshop" in right


def test_a_rating_within_the_tolerance_is_not_marked_as_differing_in_the_officers_row(client, ctx):
    from lms.org.models import Role
    from tests.factories import make_institution
    from tests.test_exercise_formats import _start_case, classify_answers

    load_formats()
    home = make_institution(name="Tolerant prison")
    user_attempt, page = _start_case(client, "cf-tol", institution=home)
    # Violence one step above the expert (tolerance 1: agrees), family ties two below (differs).
    ratings = {"f-violence": "high", "f-family": "low", "f-motivation": "high"}
    client.post(f"/attempts/{user_attempt}",
                data=form_from_page(page, user_attempt, {"q-case-k": classify_answers(ratings)}))
    client.post("/logout")
    trainer = make_user(role=Role.TRAINER, institution=home, scope_institution=home, number="cf-tol-trainer")
    db.session.commit()
    login(client, trainer)
    html = client.get(f"/reports/case-file?course={COURSE}&quiz=02-case-file-quiz&question=q-case-k"
                      ).get_data(as_text=True)
    row = html[html.index('class="officer-case"'):]
    assert row.count('<span class="badge warn">differs</span>') == 1


def test_justification_false_asks_for_no_written_justification(tmp_path):
    from lms.quizzes.attempts import text_rules

    course_dir = tmp_path / COURSE
    shutil.copytree(FORMATS, course_dir)
    quiz_path = course_dir / MODULE / "quiz.yaml"
    data = yaml.safe_load(quiz_path.read_text(encoding="utf-8"))
    data["questions"][0]["justification"] = False
    quiz_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    course, problems = read_course(course_dir)
    assert problems == []
    question = next(m for m in course["modules"] if m["id"] == MODULE)["quiz"]["questions"][0]
    assert text_rules(question) == {PLACEMENT: {"required": False, "max_length": 300}}  # only the reason
    default = next(m for m in course["modules"] if m["id"] == "02-case-file")["quiz"]["questions"][0]
    assert set(text_rules(default)) == {"f-violence", "f-family", "f-motivation"}  # optional by default
