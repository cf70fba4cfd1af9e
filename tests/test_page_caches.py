"""The officer's pages keep finished parts per process (lms/catalog/cache.py, lms/csrf_tokens.py):
what is shown to one officer never shows on another's page, and a new version, a corrected
version or another language is shown at once."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta

import sqlalchemy as sa
from markupsafe import escape

from lms.catalog.loader import load_course_dir
from lms.catalog.models import CourseVersion
from lms.extensions import db
from lms.learning.models import Enrolment, ModuleProgress
from lms.org.models import Role
from lms.quizzes import attempts as quiz_attempts
from lms.quizzes.models import QuizAttempt
from lms.timeutil import today
from tests.course_helpers import (
    COURSE,
    SAMPLE,
    best_path,
    choice_form,
    correct_answers,
    enrol,
    form_of,
    load_sample,
    load_shipped,
    play_scenario,
    take_quiz,
)
from tests.factories import login, make_user

M1 = "01-admission-basics"
PAGE = f"/courses/{COURSE}/modules/{M1}"
TOKEN = re.compile(r'name="csrf_token"[^>]*? value="([^"]+)"')


def _signed_in(app, user):
    client = app.test_client()
    login(client, user)
    return client


def _enrolled_officer(app, number: str):
    """The sample course loaded and an officer signed in and enrolled in it."""
    load_sample()
    officer = make_user(number=number)
    db.session.commit()
    client = _signed_in(app, officer)
    enrol(client)
    return officer, client


def _tokens(page: str) -> set[str]:
    return set(TOKEN.findall(page))


def test_module_page_shows_each_account_its_own_progress_role_and_token(app, ctx):
    version = load_sample()
    read, fresh, trainer = make_user(number="read-1"), make_user(number="fresh-1"), make_user(role=Role.TRAINER)
    db.session.commit()
    first, second, staff = _signed_in(app, read), _signed_in(app, fresh), _signed_in(app, trainer)
    for client in (first, second, staff):
        enrol(client)
    for client in (first, staff):
        client.post(f"{PAGE}/read")
    take_quiz(second, version, M1, correct=False)  # in progress too, the lesson not read
    # The trainer's page (staff tools) is made first, then the first officer's, in the same progress.
    assert "For trainers" in staff.get(PAGE).get_data(as_text=True)
    mine = first.get(PAGE).get_data(as_text=True)
    assert "Lesson read" in mine and "I have read this lesson" not in mine and "For trainers" not in mine
    assert "In progress" in mine

    theirs = second.get(PAGE).get_data(as_text=True)
    assert "I have read this lesson" in theirs and "Lesson read" not in theirs and "For trainers" not in theirs
    assert "In progress" in theirs
    # One token on the page (the lesson form and sign out), the second officer's own, and it is accepted.
    (token,) = _tokens(theirs)
    assert token not in _tokens(mine)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert second.post(f"{PAGE}/read", data={"csrf_token": token}).status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert db.session.scalar(sa.select(ModuleProgress.lesson_read_at).where(
        ModuleProgress.user_id == fresh.id, ModuleProgress.module_id == M1)) is not None
    assert "Lesson read" in second.get(PAGE).get_data(as_text=True)


def test_module_page_version_reads_its_content_when_the_process_copy_is_gone(app, ctx):
    """course_page builds the version from a Core row, outside the session: when the process's
    copy of the content is emptied after that (another version filled the cache), the version
    still reads its own content, and the pages show it."""
    from lms.catalog import cache
    from lms.learning.course_access import course_page

    version = load_sample()
    officer = make_user(number="evict-1")
    db.session.commit()
    page = course_page(officer, COURSE, M1)
    assert page is not None and page.version.id == version.id and page.progress is None
    cache.CONTENT.clear()
    assert page.version.module(M1)["id"] == M1
    assert page.version.content == version.content
    client = _signed_in(app, officer)
    enrol(client)
    cache.CONTENT.clear()
    assert "I have read this lesson" in client.get(PAGE).get_data(as_text=True)


def test_a_session_keeps_one_token_and_a_new_session_gets_its_own(app, ctx):
    officer, client = _enrolled_officer(app, "token-1")
    pages = [client.get(path).get_data(as_text=True) for path in (PAGE, "/about", PAGE)]
    (token,) = set.union(*map(_tokens, pages))
    again = _signed_in(app, officer)  # another browser: another session
    assert _tokens(again.get(PAGE).get_data(as_text=True)) != {token}


def test_module_page_shows_a_corrected_version_and_a_new_version_at_once(app, ctx, tmp_path):
    officer, client = _enrolled_officer(app, "versions-1")
    assert "Admission: what the Nelson Mandela Rules require" in client.get(PAGE).get_data(as_text=True)

    folder = tmp_path / SAMPLE.name
    shutil.copytree(SAMPLE, folder)
    module_yaml = folder / M1 / "module.yaml"
    module_yaml.write_text(module_yaml.read_text().replace(
        "Admission: what the Nelson Mandela Rules require", "Admission, corrected title"))
    assert load_course_dir(folder).outcome == "updated"  # same version, corrected text
    db.session.commit()
    page = client.get(PAGE).get_data(as_text=True)
    assert "Admission, corrected title" in page and "what the Nelson Mandela Rules require" not in page

    module_yaml.write_text(module_yaml.read_text().replace("Admission, corrected title", "Admission in version two"))
    course_yaml = folder / "course.yaml"
    course_yaml.write_text(course_yaml.read_text().replace("version: 1\n", "version: 2\n"))
    assert load_course_dir(folder).outcome == "new-version"
    db.session.commit()
    page = client.get(PAGE).get_data(as_text=True)
    assert "Admission in version two" in page and "corrected title" not in page


def test_module_page_follows_the_interface_language(app, ctx):
    officer, client = _enrolled_officer(app, "lang-1")
    assert "What you will be able to do" in client.get(PAGE).get_data(as_text=True)
    client.get(f"/language/ru?next={PAGE}")
    page = client.get(PAGE).get_data(as_text=True)
    assert "Чему вы научитесь" in page and "Прием: чего требуют Правила Нельсона Манделы" in page
    assert "What you will be able to do" not in page
    client.get(f"/language/en?next={PAGE}")
    assert "What you will be able to do" in client.get(PAGE).get_data(as_text=True)


def test_page_header_shows_each_account_its_own_name_and_token_and_links_to_this_page(app, ctx):
    load_sample()
    first = make_user(number="hdr-1", name="Айгерим <Первая>")
    second = make_user(number="hdr-2", name="Бахыт «Второй»")
    new = make_user(number="hdr-3", name="Нурлан Новый", must_change_password=True)
    db.session.commit()
    one, two, three = _signed_in(app, first), _signed_in(app, second), _signed_in(app, new)
    page_one = one.get("/about").get_data(as_text=True)
    page_two = two.get("/learning").get_data(as_text=True)
    # The name is escaped like any text, in both the bar and the phone menu; never the other account's.
    assert page_one.count('<span class="who" dir="auto">Айгерим &lt;Первая&gt;</span>') == 2
    assert "Бахыт" not in page_one
    assert page_two.count('<span class="who" dir="auto">Бахыт «Второй»</span>') == 2
    assert "Айгерим" not in page_two
    assert _tokens(page_one) and _tokens(page_two) and not _tokens(page_one) & _tokens(page_two)
    # The language links lead back to the page they are on (in both the bar and the menu).
    assert page_one.count('href="/language/ru?next=/about"') == 2
    assert page_two.count('href="/language/kk?next=/learning"') == 2
    assert 'href="/language/ar?next=/about"' not in page_two
    # The header is in the account's language, with that language marked as the current one.
    one.get("/language/ru?next=/about")
    russian = one.get("/about").get_data(as_text=True)
    assert "Выйти" in russian and "Sign out" not in russian
    assert 'hreflang="ru" aria-current="true"' in russian and 'hreflang="en" aria-current' not in russian
    # An account that must change its one-time password has no menus, only sign-out.
    page_three = three.get("/account/password").get_data(as_text=True)
    assert 'class="main-nav"' not in page_three and "Нурлан Новый" in page_three
    assert 'class="main-nav"' in two.get("/about").get_data(as_text=True)
    # The menus are the role's: a trainer's has the reports, an officer's does not.
    trainer = make_user(role=Role.TRAINER, number="hdr-4")
    db.session.commit()
    assert 'href="/reports/"' in _signed_in(app, trainer).get("/about").get_data(as_text=True)
    assert 'href="/reports/"' not in one.get("/about").get_data(as_text=True)
    # The sign-in page has no account in it.
    anonymous = app.test_client().get("/login").get_data(as_text=True)
    assert 'class="who"' not in anonymous and "Айгерим" not in anonymous and 'class="main-nav"' not in anonymous
    # Sign-out works with the token the header carries.
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        (token,) = _tokens(page_two)
        assert two.post("/logout", data={"csrf_token": token}).status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert two.get("/learning").status_code == 302  # signed out: to the sign-in page


def _progress(page: str) -> list[str]:
    return re.findall(r"Progress: \d+ of \d+ modules complete", page)


def test_my_learning_shows_each_officer_their_own_progress_due_date_and_notices_at_once(app, ctx, tmp_path):
    """My learning's content is kept per process by the facts it shows (lms/catalog/cache.py):
    every one of them changed shows at once, and one officer's never shows on another's page."""
    version = load_sample()
    officer, client = _enrolled_officer(app, "mine-1")
    other = make_user(number="mine-2")
    trainer = make_user(role=Role.TRAINER, name="Тренер Первый")
    db.session.commit()
    second = _signed_in(app, other)
    enrol(second)
    assert _progress(client.get("/learning").get_data(as_text=True)) == ["Progress: 0 of 2 modules complete"]
    assert "Continue where you stopped" in client.get("/learning").get_data(as_text=True)

    # Progress: a module completed shows at once, on this officer's page only (the role-play
    # module, so that where to continue stays the first module: only the count changes).
    role_play = "02-role-play-admission"
    play_scenario(client, version, role_play, best_path(version.module(role_play)["scenario"]))
    assert f"{PAGE}\"" in client.get("/learning").get_data(as_text=True)
    assert _progress(client.get("/learning").get_data(as_text=True)) == ["Progress: 1 of 2 modules complete"]
    assert _progress(second.get("/learning").get_data(as_text=True)) == ["Progress: 0 of 2 modules complete"]

    # A due date set, moved, then passed; the overdue mark and the notice follow.
    enrolment = db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == officer.id))
    enrolment.due_on, enrolment.assigned_by_id = today() + timedelta(days=30), trainer.id
    db.session.commit()
    page = client.get("/learning").get_data(as_text=True)
    assert "Due date" in page and "Overdue" not in page and "Due soon" not in page
    enrolment.due_on = today() + timedelta(days=2)
    db.session.commit()
    page = client.get("/learning").get_data(as_text=True)
    assert "Due soon" in page and "Overdue" not in page
    enrolment.due_on = today() - timedelta(days=1)
    db.session.commit()
    page = client.get("/learning").get_data(as_text=True)
    assert page.count("Overdue") == 2  # the notice and the course's card
    assert "Overdue" not in second.get("/learning").get_data(as_text=True)
    # Who assigned it: another assigner's name shows at once.
    enrolment.due_on, enrolment.last_activity_at = None, None  # a new assignment: no activity yet
    db.session.commit()
    assert "Тренер Первый assigned you" in client.get("/learning").get_data(as_text=True)
    trainer.name_native = "Тренер Второй"
    db.session.commit()
    page = client.get("/learning").get_data(as_text=True)
    assert "Тренер Второй assigned you" in page and "Тренер Первый" not in page

    # The interface language, and a corrected version's title.
    client.get("/language/ru?next=/learning")
    assert "Первые шаги: уважительный прием нового заключенного" in client.get("/learning").get_data(as_text=True)
    client.get("/language/en?next=/learning")
    folder = tmp_path / SAMPLE.name
    shutil.copytree(SAMPLE, folder)
    course_yaml = folder / "course.yaml"
    course_yaml.write_text(course_yaml.read_text().replace(
        "First steps: respectful admission of a new prisoner", "First steps, corrected title"))
    assert load_course_dir(folder).outcome == "updated"
    db.session.commit()
    assert "First steps, corrected title" in client.get("/learning").get_data(as_text=True)
    assert "First steps, corrected title" in second.get("/learning").get_data(as_text=True)


# The quiz's attempt page: its questions' parts and the rest of the page are kept per process
# (lms/quizzes/attempt_page.py, quizzes/views.py); each attempt's keys, choices and token go in.

QUIZ = f"/courses/{COURSE}/modules/{M1}/quiz"
KEY = re.compile(r'name="q-[^"]+" value="([a-z2-7]{16})"')
CHOSEN = re.compile(r'value="([a-z2-7]{16})" checked')


def _open_attempt(client):
    from tests.course_helpers import open_attempt_id

    client.post(f"{QUIZ}/start")
    return db.session.get(QuizAttempt, open_attempt_id(client, M1))


def test_quiz_page_shows_each_officer_their_own_keys_choices_and_token(app, ctx):
    version = load_sample()
    one, two = make_user(number="quiz-1"), make_user(number="quiz-2")
    db.session.commit()
    first, second = _signed_in(app, one), _signed_in(app, two)
    for client in (first, second):
        enrol(client)
    mine, theirs = _open_attempt(first), _open_attempt(second)
    theirs.layout = mine.layout  # laid out alike: only the attempt tells their keys apart
    db.session.commit()
    chosen = {qid: opts for qid, opts in correct_answers(version, M1).items() if qid == mine.layout[0][0]}
    assert first.post(f"/attempts/{mine.id}", data=form_of(chosen, mine.id, "save")).status_code == 302

    page_one, page_two = first.get(QUIZ).get_data(as_text=True), second.get(QUIZ).get_data(as_text=True)
    keys = quiz_attempts.option_keys(mine, app.config["SECRET_KEY"])
    assert set(CHOSEN.findall(page_one)) == {keys[qid][o] for qid, opts in chosen.items() for o in opts}
    assert not CHOSEN.findall(page_two)  # nothing chosen yet on the second officer's page
    assert set(KEY.findall(page_one)) == {k for by_option in keys.values() for k in by_option.values()}
    assert not set(KEY.findall(page_one)) & set(KEY.findall(page_two))
    assert f'action="/attempts/{mine.id}"' in page_one and f'action="/attempts/{theirs.id}"' in page_two
    # Each page carries its own session's token, and it is accepted.
    (token,) = _tokens(page_two)
    assert token not in _tokens(page_one)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        saved = second.post(f"/attempts/{theirs.id}", data={**form_of(chosen, theirs.id, "save"), "csrf_token": token})
        assert saved.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert set(CHOSEN.findall(second.get(QUIZ).get_data(as_text=True))) == {
        quiz_attempts.option_keys(theirs, app.config["SECRET_KEY"])[qid][o] for qid, opts in chosen.items() for o in opts}


def test_quiz_page_form_goes_to_the_attempt_under_the_apps_root(app, ctx):
    """The cached part of the page holds the form's address up to the attempt's id: an app
    served under a root (SCRIPT_NAME behind a proxy) and the same app at / each get their own."""
    _officer, client = _enrolled_officer(app, "quiz-root")
    attempt = _open_attempt(client)
    for root in ("", "/lms", ""):
        page = client.get(QUIZ, base_url=f"http://localhost{root}").get_data(as_text=True)
        assert f'action="{root}/attempts/{attempt.id}"' in page, root


def test_option_keys_are_of_the_secret_the_attempt_and_its_layout():
    layout = [["q-1", ["a", "b"]], ["q-2", ["c"]]]
    first = QuizAttempt(id=7, layout=layout)
    keys = quiz_attempts.option_keys(first, "secret-one")
    assert keys == {qid: {o: quiz_attempts.option_key("secret-one", 7, qid, o) for o in opts} for qid, opts in layout}
    assert quiz_attempts.option_keys(first, "secret-two")["q-1"]["a"] == quiz_attempts.option_key("secret-two", 7, "q-1", "a")
    assert quiz_attempts.option_keys(QuizAttempt(id=8, layout=layout), "secret-one")["q-1"]["a"] != keys["q-1"]["a"]
    # The course editor's preview lays out an unsaved attempt (id 0) afresh on every page.
    preview = quiz_attempts.option_keys(QuizAttempt(id=0, layout=layout), "secret-one")
    assert set(preview) == {"q-1", "q-2"}
    assert quiz_attempts.option_keys(QuizAttempt(id=0, layout=[["q-3", ["d"]]]), "secret-one") == {
        "q-3": {"d": quiz_attempts.option_key("secret-one", 0, "q-3", "d")}}


def test_quiz_page_follows_the_interface_language_and_each_module(app, ctx):
    load_sample()
    officer = make_user(number="quiz-lang-1")
    db.session.commit()
    client = _signed_in(app, officer)
    enrol(client, skip_pre_test=False)
    pre_test = f"/courses/{COURSE}/modules/00-pre-test/quiz"
    client.post(f"{pre_test}/start")
    assert "When must a new prisoner receive written information" in client.get(pre_test).get_data(as_text=True)
    attempt = db.session.scalar(sa.select(QuizAttempt).where(QuizAttempt.user_id == officer.id))
    client.post(f"/attempts/{attempt.id}", data={"action": "submit", "confirm_unanswered": "yes"})
    _open_attempt(client)
    page = client.get(QUIZ).get_data(as_text=True)  # the module's own questions, not the pre-test's
    assert "how must every prisoner be treated?" in page and "When must a new prisoner receive" not in page
    assert "Choose all that apply." in page
    assert "<h1>Quiz: <span>Admission: what the Nelson Mandela Rules require</span></h1>" in page
    client.get(f"/language/ru?next={QUIZ}")
    page = client.get(QUIZ).get_data(as_text=True)
    assert "Как, согласно Правилу 1 Правил Нельсона Манделы" in page and "Выберите все подходящие варианты." in page
    assert "Сохранить и продолжить позже" in page
    assert "how must every prisoner be treated?" not in page and "Choose all that apply." not in page
    assert "Save and continue later" not in page
    client.get(f"/language/ar?next={QUIZ}")
    assert '<html lang="ar" dir="rtl">' in client.get(QUIZ).get_data(as_text=True)


def test_quiz_page_shows_a_corrected_version_at_once(app, ctx, tmp_path):
    officer, client = _enrolled_officer(app, "quiz-fix-1")
    _open_attempt(client)
    assert "how must every prisoner be treated?" in client.get(QUIZ).get_data(as_text=True)
    folder = tmp_path / SAMPLE.name
    shutil.copytree(SAMPLE, folder)
    quiz_yaml = folder / M1 / "quiz.yaml"
    quiz_yaml.write_text(quiz_yaml.read_text().replace("how must every prisoner be treated?", "how is every prisoner treated, corrected?"))
    module_yaml = folder / M1 / "module.yaml"
    module_yaml.write_text(module_yaml.read_text().replace(
        "Admission: what the Nelson Mandela Rules require", "Admission, corrected title"))
    assert load_course_dir(folder).outcome == "updated"
    db.session.commit()
    page = client.get(QUIZ).get_data(as_text=True)
    assert "how is every prisoner treated, corrected?" in page and "how must every prisoner be treated?" not in page
    assert "<h1>Quiz: <span>Admission, corrected title</span></h1>" in page


def test_quiz_page_shows_the_attempt_number_and_which_questions_are_unanswered(app, ctx, tmp_path):
    folder = tmp_path / SAMPLE.name
    shutil.copytree(SAMPLE, folder)
    quiz_yaml = folder / M1 / "quiz.yaml"  # unlimited attempts: every attempt has as many left after it
    quiz_yaml.write_text(quiz_yaml.read_text().replace("attempts: 3\n", ""))
    assert load_course_dir(folder).outcome == "created"
    db.session.commit()
    version = db.session.scalar(sa.select(CourseVersion).where(CourseVersion.course_id == COURSE))
    officer = make_user(number="quiz-gaps-1")
    db.session.commit()
    client = _signed_in(app, officer)
    enrol(client)
    take_quiz(client, version, M1, correct=False)
    attempt = _open_attempt(client)
    page = client.get(QUIZ).get_data(as_text=True)
    assert "Attempt 2" in page and 'name="confirm_unanswered"' not in page
    every = correct_answers(version, M1)
    first_only = {qid: every[qid] for qid, _options in attempt.layout[:1]}
    client.post(f"/attempts/{attempt.id}", data=form_of(first_only, attempt.id, "save"))
    asked = len(attempt.layout)
    page = client.get(f"{QUIZ}?confirm=1").get_data(as_text=True)
    assert 'name="confirm_unanswered"' in page and 'href="#question-1"' not in page
    assert all(f'href="#question-{n}"' in page for n in range(2, asked + 1))
    all_but_last = {qid: every[qid] for qid, _options in attempt.layout[:-1]}
    client.post(f"/attempts/{attempt.id}", data=form_of(all_but_last, attempt.id, "save"))
    page = client.get(f"{QUIZ}?confirm=1").get_data(as_text=True)
    assert f'href="#question-{asked}"' in page and 'href="#question-2"' not in page
    client.post(f"/attempts/{attempt.id}", data=form_of(every, attempt.id, "save"))
    page = client.get(f"{QUIZ}?confirm=1").get_data(as_text=True)  # all answered: nothing to list
    assert 'name="confirm_unanswered"' in page and "unanswered-summary" not in page
    assert 'name="confirm_unanswered"' not in client.get(QUIZ).get_data(as_text=True)


# A role-play step: the node's page and each reply are kept per process (scenarios/views.py);
# each run's order, keys, step and token go in.

M2 = "02-role-play-admission"
PLAY = f"/courses/{COURSE}/modules/{M2}/scenario"
REPLY = re.compile(r'name="choice" value="([a-z2-7]{16})"')


def _run_page(client, path: str = PLAY) -> tuple[int, str]:
    client.post(f"{path}/start")
    page = client.get(path).get_data(as_text=True)
    return int(re.search(r'action="/runs/(\d+)/choose"', page).group(1)), page


def test_role_play_step_shows_each_officer_their_own_keys_step_feedback_and_token(app, ctx):
    from lms.scenarios.runs import choice_key

    version = load_sample()
    one, two = make_user(number="play-1"), make_user(number="play-2")
    db.session.commit()
    first, second = _signed_in(app, one), _signed_in(app, two)
    for client in (first, second):
        enrol(client)
    (run_one, page_one), (run_two, page_two) = _run_page(first), _run_page(second)
    secret = app.config["SECRET_KEY"]
    start = version.module(M2)["scenario"]["nodes"]["n1"]["choices"]
    assert set(REPLY.findall(page_one)) == {choice_key(secret, run_one, 0, c["id"]) for c in start}
    assert set(REPLY.findall(page_two)) == {choice_key(secret, run_two, 0, c["id"]) for c in start}
    assert f'action="/runs/{run_two}/choose"' in page_two and 'name="step" value="0"' in page_two
    # Each officer's own reply: its feedback on their page only, their step, their token accepted.
    # Both come to n2 after a good reply called c1: the first's at n1, the second's at n3.
    first.post(f"/runs/{run_one}/choose", data=choice_form(run_one, 0, "c1"))
    (token,) = _tokens(page_two)
    assert token not in _tokens(page_one)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        chosen = {"choice": choice_key(secret, run_two, 0, "c2"), "step": 0, "csrf_token": token}
        assert second.post(f"/runs/{run_two}/choose", data=chosen).status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    second.post(f"/runs/{run_two}/choose", data=choice_form(run_two, 1, "c1"))
    nodes = version.module(M2)["scenario"]["nodes"]
    at_n1, at_n3 = (str(escape(nodes[n]["choices"][0]["feedback"]["en"])) for n in ("n1", "n3"))
    page_one, page_two = first.get(PLAY).get_data(as_text=True), second.get(PLAY).get_data(as_text=True)
    n2 = str(escape(nodes["n2"]["text"]["en"]))
    assert n2 in page_one and n2 in page_two
    assert at_n1 in page_one and at_n3 not in page_one
    assert at_n3 in page_two and at_n1 not in page_two
    assert 'name="step" value="1"' in page_one and 'name="step" value="2"' in page_two
    assert set(REPLY.findall(page_one)).isdisjoint(REPLY.findall(page_two))


def test_role_play_step_follows_its_node_language_and_a_corrected_version(app, ctx, tmp_path):
    folder = tmp_path / SAMPLE.name
    shutil.copytree(SAMPLE, folder)
    scenario_yaml = folder / M2 / "scenario.yaml"  # feedback at the debrief: a step shows its node only
    scenario_yaml.write_text(scenario_yaml.read_text().replace("feedback: immediate\n", "feedback: debrief\n"))
    assert load_course_dir(folder).outcome == "created"
    db.session.commit()
    version = db.session.scalar(sa.select(CourseVersion).where(CourseVersion.course_id == COURSE))
    nodes = version.module(M2)["scenario"]["nodes"]
    officer = make_user(number="play-node-1")
    db.session.commit()
    client = _signed_in(app, officer)
    enrol(client)
    run_id, page = _run_page(client)
    n1, n2 = str(escape(nodes["n1"]["text"]["en"])), str(escape(nodes["n2"]["text"]["en"]))
    assert n1 in page
    client.post(f"/runs/{run_id}/choose", data=choice_form(run_id, 0, "c1"))  # to n2
    page = client.get(PLAY).get_data(as_text=True)
    assert n2 in page and n1 not in page
    client.get(f"/language/ru?next={PLAY}")
    page = client.get(PLAY).get_data(as_text=True)
    assert str(escape(nodes["n2"]["text"]["ru"])) in page and n2 not in page and "Say it" not in page
    client.get(f"/language/en?next={PLAY}")
    scenario_yaml.write_text(scenario_yaml.read_text().replace(nodes["n2"]["text"]["en"], "The node, corrected."))
    assert load_course_dir(folder).outcome == "updated"
    db.session.commit()
    page = client.get(PLAY).get_data(as_text=True)
    assert "The node, corrected." in page and n2 not in page


def test_role_play_step_is_of_its_own_module(app, ctx):
    course = "nelson-mandela-rules"
    version = load_shipped(course)
    officer = make_user(number="play-module-1")
    db.session.commit()
    client = _signed_in(app, officer)
    enrol(client, course)
    for module_id in ("06-role-play-separation", "10-role-play-family-visit"):  # each starts at n1
        _run_id, page = _run_page(client, f"/courses/{course}/modules/{module_id}/scenario")
        start = version.module(module_id)["scenario"]["nodes"]["n1"]
        assert str(escape(start["text"]["en"])) in page
