"""Loading the fixture course and walking through it as an officer would."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import sqlalchemy as sa

from lms.catalog.loader import load_course_dir
from lms.catalog.models import CourseVersion
from lms.extensions import db
from lms.quizzes.models import QuizAttempt

FIXTURES = Path(__file__).parent / "fixtures" / "courses"
SAMPLE = FIXTURES / "valid" / "sample-first-steps"
COURSE = "sample-first-steps"


def load_sample() -> CourseVersion:
    result = load_course_dir(SAMPLE)
    assert result.outcome in ("created", "unchanged"), result
    db.session.commit()
    return db.session.scalar(sa.select(CourseVersion).where(CourseVersion.course_id == COURSE))


def enrol(client, course_id: str = COURSE, skip_pre_test: bool = True) -> None:
    """Enrol as the signed-in officer; by default also choose to skip the pre-test, as
    tests that are not about the pre-test go straight to the modules."""
    client.post(f"/courses/{course_id}/enrol")
    if skip_pre_test:
        client.post(f"/courses/{course_id}/pre-test/skip")


def course_copy(tmp_path, course_id: str, title: str) -> str:
    """The sample course loaded again under another id and English title."""
    folder = tmp_path / course_id
    shutil.copytree(SAMPLE, folder)
    course_yaml = folder / "course.yaml"
    text = course_yaml.read_text().replace(f"id: {COURSE}", f"id: {course_id}", 1)
    course_yaml.write_text(text.replace("First steps: respectful admission of a new prisoner", title, 1))
    assert load_course_dir(folder).outcome == "created"
    return course_id


def correct_answers(version: CourseVersion, module_id: str) -> dict[str, list[str]]:
    from lms.quizzes.grading import correct_options

    quiz = version.module(module_id)["quiz"]
    return {q["id"]: sorted(correct_options(q)) for q in quiz["questions"]}


def wrong_answers(version: CourseVersion, module_id: str) -> dict[str, list[str]]:
    from lms.quizzes.grading import choice_ids, correct_options

    quiz = version.module(module_id)["quiz"]
    return {q["id"]: [next(c for c in choice_ids(q) if c not in correct_options(q))] for q in quiz["questions"]}


def form_of(answers: dict[str, list[str]], attempt_id: int, action: str = "submit") -> dict:
    """The form a browser sends: options under the attempt's opaque keys, as the page names them."""
    from flask import current_app

    from lms.quizzes.attempts import option_key

    secret = current_app.config["SECRET_KEY"]
    data = {f"q-{qid}": [option_key(secret, int(attempt_id), qid, o) for o in opts]
            for qid, opts in answers.items()}
    data["action"] = action
    return data


def written_answers(quiz: dict, attempt_id: int) -> dict:
    """The written texts a case file asks for (a `rate` question's required justifications and
    placement reason), each under the field name the page gives it, as an officer would write them."""
    from flask import current_app

    from lms.quizzes.attempts import text_key
    from lms.quizzes.grading import PLACEMENT

    secret = current_app.config["SECRET_KEY"]
    data = {}
    for q in quiz["questions"]:
        if q["type"] != "rate":
            continue
        parts = [i["id"] for i in q["items"]] if (q.get("justification") or {}).get("required") else []
        if ((q.get("placement") or {}).get("reason") or {}).get("required"):
            parts.append(PLACEMENT)
        for part in parts:
            data["t-" + text_key(secret, int(attempt_id), q["id"], part)] = f"A fact from the file for {part}."
    return data


def choice_form(run_id: int, step: int, choice_id: str) -> dict:
    """The form a browser sends for a role-play reply: the reply under its opaque key."""
    from flask import current_app

    from lms.scenarios.runs import choice_key

    return {"choice": choice_key(current_app.config["SECRET_KEY"], int(run_id), int(step), choice_id),
            "step": step}


def open_attempt_id(client, module_id: str) -> int:
    page = client.get(f"/courses/{COURSE}/modules/{module_id}/quiz").get_data(as_text=True)
    return int(re.search(r'action="/attempts/(\d+)"', page).group(1))


def take_quiz(client, version, module_id: str, correct: bool = True):
    client.post(f"/courses/{COURSE}/modules/{module_id}/quiz/start")
    attempt_id = open_attempt_id(client, module_id)
    answers = correct_answers(version, module_id) if correct else wrong_answers(version, module_id)
    response = client.post(f"/attempts/{attempt_id}", data=form_of(answers, attempt_id))
    return attempt_id, response


def best_path(scenario: dict) -> list[str]:
    from lms.scenarios import engine

    return engine.best_run(scenario)


def play_scenario(client, version, module_id: str, choices: list[str]) -> int:
    client.post(f"/courses/{COURSE}/modules/{module_id}/scenario/start")
    page = client.get(f"/courses/{COURSE}/modules/{module_id}/scenario").get_data(as_text=True)
    run_id = int(re.search(r'action="/runs/(\d+)/choose"', page).group(1))
    for step, choice in enumerate(choices):
        client.post(f"/runs/{run_id}/choose", data=choice_form(run_id, step, choice))
    return run_id


def attempts(user_id: int) -> list[QuizAttempt]:
    return list(db.session.scalars(sa.select(QuizAttempt).where(QuizAttempt.user_id == user_id)))


# Shipped courses (courses/<id>): one loader, one walk through the test client, one check of
# the shape every course brief asks for; each course's own tests add what is particular to it.

def load_shipped(course_id: str) -> CourseVersion:
    from lms.config import PROJECT_ROOT

    result = load_course_dir(PROJECT_ROOT / "courses" / course_id)
    assert result.outcome in ("created", "unchanged"), result.problems
    db.session.commit()
    return db.session.scalar(sa.select(CourseVersion).where(CourseVersion.course_id == course_id))


def shipped_languages(course_id: str) -> list[str]:
    """The languages a course ships in, read from its own file, so that each translation that
    lands is tested without editing the tests."""
    import yaml

    from lms.config import PROJECT_ROOT

    return yaml.safe_load((PROJECT_ROOT / "courses" / course_id / "course.yaml").read_text())["languages"]


def assert_course_shape(content: dict, min_lessons: int = 8, min_role_plays: int = 2,
                        min_questions: int = 6) -> None:
    """What every course brief asks: lessons with objectives and quizzes whose explanations
    exist in every language, a pre-test, a final assessment last, role-plays of at least ten
    nodes with all three kinds of ending, role cards and a checklist, the best reply not always
    in the same place, study minutes that add up and certificate hours that do not exceed them."""
    from lms.quizzes.grading import correct_options

    lessons = [m for m in content["modules"] if m["kind"] == "lesson"]
    role_plays = [m for m in content["modules"] if m["kind"] == "scenario"]
    assert len(lessons) >= min_lessons and len(role_plays) >= min_role_plays, (len(lessons), len(role_plays))
    assert content["pre_test"]["kind"] == "assessment" and content["pre_test"]["quiz"]["questions"]
    assert content["modules"][-1]["kind"] == "assessment"
    for module in lessons:
        assert module["objectives"], module["id"]
        questions = module["quiz"]["questions"]
        assert len(questions) >= min_questions, module["id"]
        for q in questions:
            # Every question type has a fully right answer (a correct option, a best reply, each
            # statement's category), as the grading module defines it.
            assert correct_options(q), (module["id"], q["id"])
            for lang in content["languages"]:
                assert q["explanation"].get(lang), (module["id"], q["id"], lang)
    for module in role_plays:
        s = module["scenario"]
        assert len(s["nodes"]) >= 10, module["id"]
        assert {n["ending"] for n in s["nodes"].values() if n.get("ending")} == {"good", "mixed", "poor"}, module["id"]
        assert s["observer_checklist"] and all(role.get("card") for role in s["roles"].values()), module["id"]
        best_places = set()
        for node in s["nodes"].values():
            scores = [c["score"] for c in node.get("choices", [])]
            if len(scores) > 1:
                best_places.add(scores.index(max(scores)))
        assert len(best_places) > 1, (module["id"], best_places)
    total = sum(m["estimated_minutes"] for m in [*content["modules"], content["pre_test"]])
    assert content["estimated_minutes"] == total
    assert content["certificate"]["enabled"]
    # Hours printed on the certificate never claim more than the course takes.
    assert 0 < content["certificate"]["hours"] <= total / 60


def complete_course(client, version: CourseVersion, lang: str) -> None:
    """As the signed-in officer, enrol and complete every module with the best answers and
    replies, checking on the way that each page is in `lang`."""
    from markupsafe import escape

    from lms.scenarios import engine

    course_id = version.course_id
    enrol(client, course_id)
    for module in version.content["modules"]:
        base = f"/courses/{course_id}/modules/{module['id']}"
        page = client.get(base).get_data(as_text=True)
        assert re.search(rf"<h1>.*?{re.escape(str(escape(module['title'][lang])))}.*?</h1>", page, re.S), module["id"]
        if module.get("lesson"):
            assert f'<article class="lesson" lang="{lang}"' in page
            client.post(f"{base}/read")
        if module.get("quiz"):
            client.post(f"{base}/quiz/start")
            quiz_page = client.get(f"{base}/quiz").get_data(as_text=True)
            attempt_id = re.search(r'action="/attempts/(\d+)"', quiz_page).group(1)
            assert str(escape(module["quiz"]["questions"][0]["text"][lang])) in quiz_page
            form = form_of(correct_answers(version, module["id"]), attempt_id)
            form.update(written_answers(module["quiz"], attempt_id))
            client.post(f"/attempts/{attempt_id}", data=form)
        if module.get("scenario"):
            client.post(f"{base}/scenario/start")
            run_page = client.get(f"{base}/scenario").get_data(as_text=True)
            run_id = re.search(r'action="/runs/(\d+)/choose"', run_page).group(1)
            for step, choice in enumerate(engine.best_run(module["scenario"])):
                client.post(f"/runs/{run_id}/choose", data=choice_form(run_id, step, choice))


def lesson_words(course_dir: Path, module_id: str, lang: str) -> int:
    return len((course_dir / module_id / f"lesson.{lang}.md").read_text().split())


def assert_explained_and_answerable(question: dict, lang: str) -> None:
    """An explanation in `lang`, and a question an officer can answer fully: statements and
    categories to sort, one best reply of full credit with feedback on each, or a correct option."""
    assert question["explanation"].get(lang), (question["id"], lang)
    if question["type"] in ("classify", "rate"):
        assert len(question["items"]) >= 2 and len(question["categories"]) >= 2, question["id"]
        if question["type"] == "rate":
            # The expert's reasoning is what the officer learns from after rating a factor.
            assert all(i["feedback"].get(lang) for i in question["items"]), question["id"]
    elif question["type"] == "best_response":
        # Exactly one best reply, so that an officer choosing it earns the whole question.
        assert [o["credit"] for o in question["options"]].count(100) == 1, question["id"]
        assert all(o["feedback"].get(lang) for o in question["options"]), question["id"]
    else:
        assert any(o["correct"] for o in question["options"]), question["id"]


def assert_role_play_scripts_print(client, version: CourseVersion, lang: str = "en") -> None:
    """A trainer's printed script of each role-play carries what a classroom needs: the briefing,
    every role card (the observer's included), the observer checklist and every reply; the PDF is
    produced too."""
    from markupsafe import escape

    modules = [m for m in version.content["modules"] if m["kind"] == "scenario"]
    assert modules
    for module in modules:
        s = module["scenario"]
        assert s is not None
        base = f"/courses/{version.course_id}/modules/{module['id']}/script"
        response = client.get(f"{base}?lang={lang}")
        assert response.status_code == 200, module["id"]
        page = response.get_data(as_text=True)
        texts = [s["briefing"][lang].split("\n")[0], *(r["card"][lang].split("\n")[0] for r in s["roles"].values()),
                 *(item["text"][lang] for item in s["observer_checklist"]),
                 *(c["text"][lang] for n in s["nodes"].values() for c in n["choices"])]
        for text in texts:
            assert str(escape(text)) in page, (module["id"], text[:60])
        pdf = client.get(f"{base}.pdf?lang={lang}")
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf", module["id"]


def assert_only_the_good_ending_completes(client, user_id: int, course_id: str, modules: list, mixed_run) -> None:
    """Played through the pages, for each role-play module: the run `mixed_run(scenario)` (the
    highest-scoring one that ends mixed) is recorded as not passed and leaves the module open; the
    best run then completes it."""
    from lms.learning.models import ModuleProgress
    from lms.scenarios import engine
    from lms.scenarios.models import ScenarioRun

    for module in modules:
        s = module["scenario"]
        base = f"/courses/{course_id}/modules/{module['id']}"
        for choices, ending, passed in ((mixed_run(s), "mixed", False), (engine.best_run(s), "good", True)):
            client.post(f"{base}/scenario/start")
            page = client.get(f"{base}/scenario").get_data(as_text=True)
            run_id = int(re.search(r'action="/runs/(\d+)/choose"', page).group(1))
            for step, choice in enumerate(choices):
                client.post(f"/runs/{run_id}/choose", data=choice_form(run_id, step, choice))
            run = db.session.get(ScenarioRun, run_id)
            db.session.refresh(run)
            assert (run.ending, run.passed) == (ending, passed), (module["id"], run.score)
            progress = db.session.scalar(sa.select(ModuleProgress).where(
                ModuleProgress.user_id == user_id, ModuleProgress.module_id == module["id"]))
            assert (progress is not None and progress.completed_at is not None) == passed, module["id"]
