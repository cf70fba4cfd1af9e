from datetime import timedelta

import sqlalchemy as sa

from lms.extensions import db
from lms.org.models import AuditEvent, User
from lms.timeutil import utcnow
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


def test_repeated_failures_lock_the_account_with_a_translated_message(client, ctx):
    user = make_user(number="A2", locale="ru")
    db.session.commit()
    for _ in range(4):
        login(client, "A2", "wrong-password")
    page = login(client, "A2", "wrong-password").get_data(as_text=True)
    assert "Try again in 15 minutes" in page
    # Even the right password is refused while locked.
    page = login(client, "A2", PASSWORD).get_data(as_text=True)
    assert "Too many failed sign-in attempts" in page
    db.session.expire_all()
    locked = db.session.get(User, user.id)
    assert locked.locked_until > utcnow()
    locked.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert login(client, "A2", PASSWORD).status_code == 302


def test_lock_message_is_translated(client, ctx):
    make_user(number="A3")
    db.session.commit()
    client.get("/language/ru")
    for _ in range(5):
        page = login(client, "A3", "wrong-password").get_data(as_text=True)
    assert "Too many failed sign-in attempts" not in page
    assert "Слишком много" in page


def test_disabled_account_cannot_sign_in(client, ctx):
    user = make_user(number="A4")
    user.is_active_account = False
    db.session.commit()
    page = login(client, "A4").get_data(as_text=True)
    assert "This account is disabled" in page


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
