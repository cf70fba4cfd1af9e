"""`lms courses check` and `lms courses load`: every kind of problem, idempotent loading, versions."""

import shutil

import pytest
import sqlalchemy as sa
import yaml

from lms.catalog.models import Course, CourseVersion, LessonPage
from lms.catalog.spec import read_course
from lms.extensions import db
from lms.learning.models import CourseCompletion
from tests.course_helpers import SAMPLE, enrol

M1 = "01-admission-basics"


def _copy(tmp_path):
    root = tmp_path / "courses"
    shutil.copytree(SAMPLE, root / SAMPLE.name)
    return root, root / SAMPLE.name


def _edit_yaml(path, change):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _drop_kk_title(course):
    _edit_yaml(course / "course.yaml", lambda d: d["title"].pop("kk"))


def _duplicate_question(course):
    def change(d):
        d["questions"][1]["id"] = d["questions"][0]["id"]
    _edit_yaml(course / M1 / "quiz.yaml", change)


def _bad_id(course):
    _edit_yaml(course / M1 / "quiz.yaml", lambda d: d["questions"][0].update(id="Bad Id"))


def _module_not_on_disk(course):
    _edit_yaml(course / "course.yaml", lambda d: d["modules"].append("03-missing"))


def _no_correct(course):
    def change(d):
        for o in d["questions"][0]["options"]:
            o.pop("correct", None)
    _edit_yaml(course / M1 / "quiz.yaml", change)


def _single_with_two(course):
    def change(d):
        q = next(q for q in d["questions"] if q["type"] == "single")
        for o in q["options"][:2]:
            o["correct"] = True
    _edit_yaml(course / M1 / "quiz.yaml", change)


def _missing_image(course):
    (course / M1 / "media" / "admission-steps.svg").unlink()


def _malformed(course):
    path = course / M1 / "module.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\nobjectives: [unclosed\n", encoding="utf-8")


def _broken_next(course):
    def change(d):
        first = d["nodes"][d["start"]]["choices"][0]
        first["next"] = "nowhere"
    _edit_yaml(course / "02-role-play-admission" / "scenario.yaml", change)


def _unreachable(course):
    _edit_yaml(course / "02-role-play-admission" / "scenario.yaml",
               lambda d: d["nodes"].update({"orphan": {"ending": "poor", "debrief": {k: "x" for k in ("en", "ru", "kk", "tg", "ar")}}}))


def _unknown_variable(course):
    def change(d):
        d["nodes"][d["start"]]["choices"][0]["when"] = {"mood": {"min": 1}}
    _edit_yaml(course / "02-role-play-admission" / "scenario.yaml", change)


def _box_title_in_guillemets(course):
    # A translator's «» around a box title: Markdown would print the line as typed.
    path = course / M1 / "lesson.ar.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + '\n!!! note «نقطة أساسية»\n    نص الإطار.\n', encoding="utf-8")


def _unknown_box_kind(course):
    path = course / M1 / "lesson.ru.md"
    path.write_text(path.read_text(encoding="utf-8") + '\n!!! danger "Осторожно"\n    Текст.\n', encoding="utf-8")


def _missing_lesson_language(course):
    (course / M1 / "lesson.tg.md").unlink()


BROKEN = {
    "missing translation": (_drop_kk_title, "course.yaml: title.kk: missing translation"),
    "missing lesson translation": (_missing_lesson_language, "lesson.tg.md: missing translation"),
    "duplicate id": (_duplicate_question, "duplicate question id"),
    "invalid id": (_bad_id, "invalid id 'Bad Id'"),
    "broken module list": (_module_not_on_disk, "module folder '03-missing' does not exist"),
    "no correct option": (_no_correct, "no option is marked correct"),
    "single with two": (_single_with_two, "a single question has exactly one correct option, not 2"),
    "missing image": (_missing_image, "image does not exist in media/"),
    "malformed yaml": (_malformed, "module.yaml: line "),
    "broken next": (_broken_next, "next 'nowhere' does not exist"),
    "unreachable node": (_unreachable, "nodes.orphan: node cannot be reached from start"),
    "unknown variable": (_unknown_variable, "unknown variable 'mood'"),
    "box title not in straight quotes": (_box_title_in_guillemets, 'lesson.ar.md: line '),
    "unknown box kind": (_unknown_box_kind, 'box not understood: write it as !!! note "Title"'),
}


def test_the_fixture_course_is_valid():
    course, problems = read_course(SAMPLE)
    assert problems == [] and course["id"] == "sample-first-steps"


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_check_reports_each_problem_with_file_and_field(tmp_path, runner, kind):
    mutate, expected = BROKEN[kind]
    root, course = _copy(tmp_path)
    mutate(course)
    result = runner.invoke(args=["courses", "check", str(root)])
    assert result.exit_code == 1
    assert expected in result.output, result.output
    assert "sample-first-steps/" in result.output


def test_check_passes_on_a_valid_folder(runner, tmp_path):
    root, _ = _copy(tmp_path)
    result = runner.invoke(args=["courses", "check", str(root)])
    assert result.exit_code == 0 and "no problems" in result.output


def _counts():
    return (db.session.scalar(sa.select(sa.func.count(CourseVersion.id))),
            db.session.scalar(sa.select(sa.func.count(LessonPage.id))))


def test_load_is_idempotent(runner, ctx, tmp_path):
    root, _ = _copy(tmp_path)
    first = runner.invoke(args=["courses", "load", str(root)])
    assert "created (version 1)" in first.output
    before = _counts()
    again = runner.invoke(args=["courses", "load", str(root)])
    assert "unchanged (version 1)" in again.output and again.exit_code == 0
    assert _counts() == before
    assert before[1] == 5  # one rendered lesson per language


def test_invalid_course_is_refused_whole_and_the_database_kept(runner, ctx, tmp_path):
    root, course = _copy(tmp_path)
    runner.invoke(args=["courses", "load", str(root)])
    before = _counts()
    html_before = db.session.scalars(sa.select(LessonPage.html)).all()
    (course / M1 / "lesson.en.md").write_text("# Changed\n", encoding="utf-8")
    _no_correct(course)
    result = runner.invoke(args=["courses", "load", str(root)])
    assert result.exit_code == 1 and "refused" in result.output and "no option is marked correct" in result.output
    db.session.expire_all()
    assert _counts() == before
    assert db.session.scalars(sa.select(LessonPage.html)).all() == html_before


def test_a_new_version_becomes_current_and_records_keep_theirs(runner, ctx, tmp_path, client):
    from tests.course_helpers import best_path, play_scenario, take_quiz
    from tests.factories import login, make_user

    root, course = _copy(tmp_path)
    runner.invoke(args=["courses", "load", str(root)])
    version = db.session.scalar(sa.select(CourseVersion))
    user = make_user()
    db.session.commit()
    login(client, user)
    enrol(client)
    client.post(f"/courses/sample-first-steps/modules/{M1}/read")
    take_quiz(client, version, M1)
    play_scenario(client, version, "02-role-play-admission", best_path(version.module("02-role-play-admission")["scenario"]))
    assert db.session.scalar(sa.select(CourseCompletion.course_version)) == 1
    _edit_yaml(course / "course.yaml", lambda d: d.update(version=2))
    result = runner.invoke(args=["courses", "load", str(root)])
    assert "new-version (version 2)" in result.output
    db.session.expire_all()
    assert db.session.get(Course, "sample-first-steps").current_version == 2
    assert db.session.scalar(sa.select(CourseCompletion.course_version)) == 1
    assert db.session.scalar(sa.select(sa.func.count(CourseVersion.id))) == 2
    # Going back to an older version is refused.
    _edit_yaml(course / "course.yaml", lambda d: d.update(version=1))
    result = runner.invoke(args=["courses", "load", str(root)])
    assert result.exit_code == 1 and "older than the loaded version 2" in result.output


def test_the_shipped_courses_pass_the_check(runner):
    from lms.config import PROJECT_ROOT

    result = runner.invoke(args=["courses", "check", str(PROJECT_ROOT / "courses")])
    assert result.exit_code == 0, result.output


def test_lesson_html_is_sanitized(tmp_path, runner, ctx):
    root, course = _copy(tmp_path)
    path = course / M1 / "lesson.en.md"
    path.write_text(path.read_text(encoding="utf-8") + '\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n[bad](javascript:alert(1)) [far](https://example.org/x)\n', encoding="utf-8")
    runner.invoke(args=["courses", "load", str(root)])
    html = db.session.scalar(sa.select(LessonPage.html).where(LessonPage.lang == "en"))
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html
    assert "example.org" not in html
