import re

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.org.models import AuditEvent, User
from tests.factories import PASSWORD, login, make_user


def test_sign_in_with_personnel_number_and_sign_out(client, ctx):
    user = make_user(number="KZ-00123")
    db.session.commit()
    response = login(client, "kz-00123")  # personnel numbers are not case-sensitive
    assert response.status_code == 302
    assert client.get("/learning").status_code == 200
    client.post("/logout")
    assert client.get("/").headers["Location"].endswith("/login")
    assert db.session.get(User, user.id).last_login_at is not None


def test_wrong_password_and_unknown_user_get_the_same_clear_message(client, ctx):
    make_user(number="A1")
    db.session.commit()
    for number, password in (("A1", "wrong-password"), ("nobody", PASSWORD)):
        page = login(client, number, password).get_data(as_text=True)
        assert "The personnel number or password is incorrect." in page
    assert client.get("/").status_code == 302


def _from(address: str) -> dict:
    return {"environ_overrides": {"REMOTE_ADDR": address}}


def _message(page: str) -> str:
    return re.search(r'<p class="flash [^"]*"[^>]*>(.*?)</p>', page, re.S).group(1).strip()


def test_unknown_wrong_locked_out_and_disabled_get_the_same_answer(client, ctx, clock):
    make_user(number="A2")
    disabled = make_user(number="A3")
    disabled.is_active_account = False
    db.session.commit()
    answers = set()
    for number, password in (("A2", "wrong-password"), ("nobody", PASSWORD), ("A3", PASSWORD),
                             ("a3", "wrong-password")):
        response = login(client, number, password)
        answers.add((response.status_code, _message(response.get_data(as_text=True))))
    assert answers == {(200, "The personnel number or password is incorrect.")}
    # Throttled: the same words for a number that exists and one that does not.
    waits = set()
    for number in ("A2", "nobody"):
        for _ in range(5):
            login(client, number, "wrong-password")
        response = login(client, number, "wrong-password")
        waits.add((response.status_code, _message(response.get_data(as_text=True))))
    assert waits == {(429, "Too many failed attempts. Wait 2 seconds and try again.")}


def test_failures_make_each_next_attempt_wait_longer_not_lock_the_account(client, ctx, clock):
    make_user(number="A4")
    db.session.commit()
    for _ in range(5):
        assert login(client, "A4", "wrong-password").status_code == 200
    waits = []
    for _ in range(12):
        response = login(client, "A4", PASSWORD)  # even the right password waits its turn
        assert response.status_code == 429
        number, unit = re.search(r"Wait (\d+) (second|minute)", response.get_data(as_text=True)).groups()
        waits.append(int(number) * (60 if unit == "minute" else 1))
        clock.advance(waits[-1])  # wait as told, then fail again
        assert login(client, "A4", "wrong-password").status_code == 200
    # Shown in seconds up to two minutes, then in whole minutes rounded up.
    assert waits == [2, 4, 8, 16, 32, 64, 180, 300, 540, 900, 900, 900]
    # The right password, once the wait is over, opens the account at once.
    clock.advance(900)
    assert login(client, "A4").status_code == 302


def test_an_attacker_on_one_machine_cannot_keep_the_officer_out(app, ctx, clock):
    make_user(number="A5")
    db.session.commit()
    attacker, officer = app.test_client(), app.test_client()
    refused = 0
    for _ in range(60):  # an hour of guessing, as fast as the throttle lets through
        r = attacker.post("/login", data={"personnel_number": "A5", "password": "guess"},
                          **_from("192.0.2.66"))
        refused += r.status_code == 429
        clock.advance(60)
    assert refused > 40
    r = officer.post("/login", data={"personnel_number": "A5", "password": PASSWORD},
                     **_from("198.51.100.7"))
    assert r.status_code == 302
    # The officer's success does not give the attacker's machine fresh tries.
    r = attacker.post("/login", data={"personnel_number": "A5", "password": "guess"},
                      **_from("192.0.2.66"))
    assert r.status_code == 429


def test_many_accounts_from_one_address_are_slowed_down_too(client, ctx, clock):
    for n in range(20):
        assert login(client, f"guess-{n}", "wrong-password").status_code == 200
    assert login(client, "guess-21", "wrong-password").status_code == 429
    # Another address is not held back.
    r = client.post("/login", data={"personnel_number": "guess-22", "password": "x"},
                    **_from("198.51.100.8"))
    assert r.status_code == 200


def test_repeated_failures_alert_administrators_in_the_audit_log(client, ctx, clock):
    user = make_user(number="A6")
    db.session.commit()
    for n in range(20):
        client.post("/login", data={"personnel_number": "A6", "password": "guess"},
                    **_from(f"192.0.2.{n}"))
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action.like("signin.%"))).all()
    assert [(e.action, e.target, e.detail["failures"]) for e in events] == [
        ("signin.repeated_failures", f"user:{user.id}", 20)]
    for n in range(20):
        login(client, f"nobody-{n}", "guess")
    db.session.expire_all()
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action.like("signin.%"))).all()
    assert events[-1].action == "signin.repeated_failures_from_address"
    assert events[-1].target == "address:127.0.0.1"
    # No typed personnel number or password lands in the log.
    assert not any("nobody" in str(e.detail) + e.target for e in events)


def test_throttle_counts_no_personnel_number_or_address_in_clear(client, ctx, clock):
    from lms.auth.models import SignInThrottle

    login(client, "secret-typed-in-the-wrong-box", "x")
    rows = db.session.scalars(sa.select(SignInThrottle)).all()
    assert len(rows) == 3
    assert not any("secret" in r.key or "127.0.0.1" in r.key for r in rows)


def test_the_wait_message_is_translated(client, ctx, clock):
    make_user(number="A7")
    db.session.commit()
    client.get("/language/ru")
    for _ in range(6):
        page = login(client, "A7", "wrong-password").get_data(as_text=True)
    assert "Too many failed attempts" not in page
    assert "Слишком много неудачных попыток" in page


def test_change_password_form_is_throttled_and_counts_failures(client, ctx, clock):
    make_user(number="A8")
    db.session.commit()
    login(client, "A8")
    data = {"current_password": "guess", "new_password": "a-much-better-secret",
            "confirm": "a-much-better-secret"}
    codes = [client.post("/account/password", data=data).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    # Even the right current password waits its turn, and the failures count for sign-in too.
    right = dict(data, current_password=PASSWORD)
    assert client.post("/account/password", data=right).status_code == 429
    assert login(app_client := client.application.test_client(), "A8").status_code == 429
    clock.advance(2)
    assert client.post("/account/password", data=right).status_code == 302
    assert login(app_client, "A8", "a-much-better-secret").status_code == 302


def test_new_account_must_change_one_time_password_first(client, ctx):
    make_user(number="A5", must_change_password=True)
    db.session.commit()
    response = login(client, "A5")
    assert response.headers["Location"].endswith("/account/password")
    assert client.get("/people").headers["Location"].endswith("/account/password")
    assert client.get("/").headers["Location"].endswith("/account/password")
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a-much-better-secret", "confirm": "a-much-better-secret"})
    assert response.status_code == 302
    assert client.get("/learning").status_code == 200
    client.post("/logout")
    assert login(client, "A5", "a-much-better-secret").status_code == 302


def test_too_weak_new_password_is_refused_and_nothing_changes(client, ctx):
    user = make_user(number="A6", must_change_password=True)
    db.session.commit()
    old_hash = user.password_hash
    login(client, "A6")
    for weak, message in (
        ("short1", "Use at least 10 characters."),
        ("1234567890", "Use letters as well as digits."),
        ("xxA6xxxxxxxx", "Do not use your personnel number"),
        ("aaaaaaaaaaaa", "too easy to guess"),
    ):
        page = client.post("/account/password", data={
            "current_password": PASSWORD, "new_password": weak, "confirm": weak}).get_data(as_text=True)
        assert message in page
    page = client.post("/account/password", data={
        "current_password": "not-it", "new_password": "a-much-better-secret",
        "confirm": "a-much-better-secret"}).get_data(as_text=True)
    assert "The current password is incorrect." in page
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == old_hash
    assert db.session.get(User, user.id).must_change_password


def test_passwords_are_stored_hashed_with_scrypt(ctx):
    user = make_user()
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith("scrypt:")


@pytest.mark.parametrize("config", [{}, {"LMS_TEST_CHEAP_PASSWORD_HASH": True}])
def test_outside_the_test_suite_chosen_passwords_get_full_cost_scrypt(app, config):
    """The suite hashes cheaply (tests/conftest.py); an app not in TESTING mode never does,
    even when the suite's flag is set by mistake."""
    from lms import create_app
    from lms.auth.passwords import check_current_password, set_password

    production = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], **config})
    assert not production.testing
    with production.app_context():
        user = User(personnel_number="full-cost")
        set_password(user, "Tulip-harbour-91", one_time=False)
        assert user.password_hash.startswith("scrypt:32768:8:1$")
        assert check_current_password(user, "Tulip-harbour-91")


def test_the_suite_hashes_chosen_passwords_cheaply(app, ctx):
    from lms.auth.passwords import set_password

    user = User(personnel_number="cheap")
    set_password(user, "Tulip-harbour-91", one_time=False)
    assert user.password_hash.startswith("scrypt:1024:8:1$")


def test_password_change_is_audited(client, ctx):
    user = make_user(must_change_password=True)
    db.session.commit()
    login(client, user)
    client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a-much-better-secret", "confirm": "a-much-better-secret"})
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "password.changed" in actions


def test_next_parameter_only_redirects_within_the_site(client, ctx):
    make_user(number="A7")
    db.session.commit()
    r = client.post("/login?next=https://evil.example/x", data={"personnel_number": "A7", "password": PASSWORD})
    assert r.headers["Location"] == "/"
    client.post("/logout")
    r = client.post("/login?next=/account/password", data={"personnel_number": "A7", "password": PASSWORD})
    assert r.headers["Location"] == "/account/password"


def test_session_survives_a_restart_with_the_same_instance_secret(app, client, ctx):
    from lms import create_app

    make_user(number="A8")
    db.session.commit()
    login(client, "A8")
    cookie = client.get_cookie("session")
    second = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                         "SERVER_NAME": "localhost", "TESTING": True})
    assert second.config["SECRET_KEY"] == app.config["SECRET_KEY"]
    other = second.test_client()
    other.set_cookie("session", cookie.value, domain="localhost")
    assert other.get("/learning").status_code == 200


def test_too_many_sign_in_requests_get_a_translated_429(app):
    from lms import create_app
    from lms.extensions import limiter

    limited = create_app(dict(app.config, RATELIMIT_ENABLED=True))
    client = limited.test_client()
    limiter.reset()
    try:
        client.get("/language/ru")
        codes = [client.post("/login", data={"personnel_number": "x", "password": "y"}).status_code
                 for _ in range(21)]
        assert codes[-1] == 429
        page = client.post("/login", data={"personnel_number": "x", "password": "y"}).get_data(as_text=True)
        assert "Слишком много запросов" in page
    finally:
        limiter.enabled = False
        limiter.reset()


def test_a_password_reset_ends_sessions_already_open(app, client, ctx):
    from lms.org.models import Role

    officer = make_user(number="S-1")
    admin = make_user(role=Role.ADMIN, number="S-adm")
    db.session.commit()
    login(client, officer)
    assert client.get("/learning").status_code == 200
    admin_client = app.test_client()
    login(admin_client, admin)
    admin_client.post(f"/admin/users/{officer.id}/reset-password")
    assert client.get("/learning").headers["Location"].startswith("/login")


def test_changing_my_password_signs_out_my_other_browsers_but_not_this_one(app, client, ctx):
    make_user(number="S-2")
    db.session.commit()
    other = app.test_client()
    login(client, "S-2")
    login(other, "S-2")
    client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a-much-better-secret", "confirm": "a-much-better-secret"})
    assert client.get("/learning").status_code == 200
    assert other.get("/learning").headers["Location"].startswith("/login")


def test_a_copied_cookie_is_refused_after_sign_out(app, client, ctx):
    make_user(number="S-3")
    db.session.commit()
    login(client, "S-3")
    stolen = client.get_cookie("session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen, domain="localhost")
    assert thief.get("/learning").headers["Location"].startswith("/login")


@pytest.mark.parametrize("weak", [
    "Password12", "qwerty1234", "Qwerty123456", "йцукен12345", "1q2w3e4r5t6y", "Aigerim2024!",
    "bekova-password", "kz-00777-abc",
])
def test_common_passwords_and_the_officers_own_name_or_number_are_refused(client, ctx, weak):
    user = make_user(number="KZ-00777", must_change_password=True, name="Aigerim Bekova")
    db.session.commit()
    login(client, user)
    page = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": weak, "confirm": weak}).get_data(as_text=True)
    assert re.search(r"too easy to guess|Do not use your (name|personnel number)", page)
    db.session.expire_all()
    assert db.session.get(User, user.id).must_change_password


def test_the_weak_password_message_is_translated(client, ctx):
    make_user(number="A9", must_change_password=True, locale="kk")
    db.session.commit()
    login(client, "A9")
    page = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "Password12", "confirm": "Password12"}).get_data(as_text=True)
    assert "too easy to guess" not in page
    assert "Құпиясөз" in page or "құпиясөз" in page


@pytest.mark.parametrize("url, secure", [
    ("https://lms.example.kz", True), ("HTTPS://lms.example.kz", True), ("http://10.1.1.5:5000", False),
])
def test_cookies_are_secure_whenever_the_public_address_is_https(monkeypatch, tmp_path, url, secure):
    from lms.config import from_environment

    monkeypatch.delenv("LMS_SECURE_COOKIES", raising=False)
    monkeypatch.setenv("LMS_PUBLIC_URL", url)
    config = from_environment(tmp_path)
    assert config["SESSION_COOKIE_SECURE"] is secure
    assert config["REMEMBER_COOKIE_SECURE"] is secure
    monkeypatch.setenv("LMS_SECURE_COOKIES", "0")  # an explicit setting still wins
    assert from_environment(tmp_path)["SESSION_COOKIE_SECURE"] is False


def test_a_personnel_number_made_by_the_cli_signs_in_whatever_the_case(runner, client, ctx):
    result = runner.invoke(args=["users", "create-admin", "ADM-Case", "--password", "a-much-better-secret"])
    assert result.exit_code == 0, result.output
    assert login(client, "adm-case", "a-much-better-secret").status_code == 302
    result = runner.invoke(args=["users", "create-admin", "adm-CASE", "--password", "a-much-better-secret"])
    assert result.exit_code != 0 and "already in use" in result.output
    for bad in ("KZ 001", "KZ-00¹", "Ｋ１２３", "a" * 41):
        result = runner.invoke(args=["users", "create-admin", bad, "--password", "a-much-better-secret"])
        assert result.exit_code != 0, bad


def test_the_database_refuses_two_numbers_that_differ_only_in_case(ctx):
    make_user(number="Dup-1")
    db.session.commit()
    make_user_with_same = User(
        personnel_number="DUP-1", password_hash="x", name_native="n", name_latin="n", gender="female",
        service="prison", institution_id=db.session.scalar(sa.select(User.institution_id)),
    )
    db.session.add(make_user_with_same)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_signed_in_request_reads_the_account_as_its_columns_and_writes_through_the_orm_user(app, client, ctx):
    """lms/auth/account.py: every signed-in request reads a few columns, not the ORM `User`;
    what else is asked of the account, and what is set on it, goes through the ORM `User`."""
    from flask_login import current_user

    from lms.auth.account import Account

    officer = make_user(locale=None)
    db.session.commit()
    login(client, officer)
    with client:
        assert client.get("/learning").status_code == 200
        account = current_user._get_current_object()
        assert isinstance(account, Account) and account.__dict__["_record"] is None  # no ORM object made
        assert (account.id, account.role, account.name_native) == (officer.id, officer.role, officer.name_native)
        assert account == db.session.get(User, officer.id) and account.has_role("officer")
        # Anything else (another column, a relationship) is read through the ORM User.
        assert account.personnel_number == officer.personnel_number
        assert account.institution.id == officer.institution_id
        assert isinstance(account.record, User) and account.record.id == officer.id
    # A value set on it is saved: the language chosen, on the account.
    assert client.get("/language/kk").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, officer.id).locale == "kk"
    with client:
        client.get("/learning")
        assert current_user.locale == "kk"
    # Ending the sessions through it ends this one too (the cookie carries the old version).
    with client:
        client.get("/learning")
        current_user.end_sessions()
        db.session.commit()  # the request's session: the ORM User it changed
    assert client.get("/learning").status_code == 302
