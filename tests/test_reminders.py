"""E-mail reminders: an optional address set by the officer or an admin; `lms reminders send`
mails assignments due soon or overdue, in each officer's language, once per due date, only
when an SMTP server is configured. The server here is aiosmtpd on 127.0.0.1."""

from __future__ import annotations

import socket
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.learning import progress
from lms.learning.models import Enrolment
from lms.org.models import AuditEvent, Role, User
from lms.timeutil import today
from tests.course_helpers import COURSE, load_sample
from tests.factories import login, make_user


class Inbox:
    def __init__(self) -> None:
        self.messages = []
        self.refuse: set[str] = set()  # messages to these addresses are refused after DATA

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        if self.refuse & set(envelope.rcpt_tos):
            return "554 Message refused"
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp_server(app, data_app):
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    before = {k: app.config[k] for k in ("LMS_SMTP_HOST", "LMS_SMTP_PORT")}
    for each in (app, data_app):  # the command runs in the test's app context (data_app)
        each.config.update(LMS_SMTP_HOST="127.0.0.1", LMS_SMTP_PORT=port)
    yield inbox
    for each in (app, data_app):
        each.config.update(before)
    controller.stop()


def _world():
    version = load_sample()
    trainer = make_user(role=Role.TRAINER, number="tr-mail")
    soon = make_user(number="KZ-MAIL-1", locale="ru", name="Айгерим Сапарова")
    late = make_user(number="IQ-MAIL-2", locale="ar", name="زينب علي")
    silent = make_user(number="KZ-MAIL-3", locale="ru")  # no address: never mailed
    far = make_user(number="KZ-MAIL-4", locale="kk")  # due in a month: nothing yet
    soon.email, late.email, far.email = "aigerim@example.org", "zainab@example.org", "far@example.org"
    progress.enrol(soon, COURSE, assigned_by=trainer, due_on=today() + timedelta(days=2))
    progress.enrol(late, COURSE, assigned_by=trainer, due_on=today() - timedelta(days=3))
    progress.enrol(silent, COURSE, assigned_by=trainer, due_on=today() - timedelta(days=3))
    progress.enrol(far, COURSE, assigned_by=trainer, due_on=today() + timedelta(days=30))
    db.session.commit()
    return version, soon, late


def test_reminders_go_to_officers_with_an_address_in_their_language_once(app, ctx, smtp_server):
    version, soon, late = _world()
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert "2 reminders sent" in result.output and "@" not in result.output  # no address in the output
    by_address = {rcpt[0]: msg for rcpt, msg in smtp_server.messages}
    assert set(by_address) == {"aigerim@example.org", "zainab@example.org"}
    ru = by_address["aigerim@example.org"]
    assert ru["Subject"] == "Напоминание об обучении: назначенные вам курсы"
    assert ru["Content-Language"] == "ru"
    body = ru.get_content()
    assert "Здравствуйте, Айгерим Сапарова." in body
    assert version.content["title"]["ru"] in body and "срок —" in body
    assert "http://127.0.0.1:5000/learning" in body or "/learning" in body
    assert "KZ-MAIL-1" not in body  # nothing of the officer but the name
    ar = by_address["zainab@example.org"].get_content()
    assert "زينب علي" in ar and version.content["title"]["ar"] in ar and "متأخر" in ar
    # A second run the same day sends nothing more.
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert "0 reminders sent" in result.output and len(smtp_server.messages) == 2
    # A due date moved: one reminder for the new date when it comes near.
    enrolment = db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == late.id))
    enrolment.due_on = today() + timedelta(days=1)
    db.session.commit()
    app.test_cli_runner().invoke(args=["reminders", "send"])
    assert [rcpt for rcpt, _m in smtp_server.messages[2:]] == [["zainab@example.org"]]


def test_without_an_smtp_server_nothing_is_sent(app, data_app, ctx, smtp_server):
    _world()
    data_app.config["LMS_SMTP_HOST"] = ""
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0 and "No SMTP server is configured" in result.output
    assert smtp_server.messages == []
    assert db.session.scalar(sa.select(sa.func.count()).where(Enrolment.reminded != "")) == 0


def test_an_unreachable_server_marks_nothing_as_sent(app, data_app, ctx):
    _world()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    data_app.config.update(LMS_SMTP_HOST="127.0.0.1", LMS_SMTP_PORT=closed_port)
    try:
        result = app.test_cli_runner().invoke(args=["reminders", "send"])
    finally:
        data_app.config.update(LMS_SMTP_HOST="", LMS_SMTP_PORT=25)
    assert result.exit_code != 0 and "SMTP server 127.0.0.1" in result.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).where(Enrolment.reminded != "")) == 0


def test_an_officer_saves_or_removes_their_own_address(client, ctx):
    officer = make_user(number="mail-self", locale="ru")
    db.session.commit()
    login(client, officer)
    page = client.post("/account/email", data={"email": "not an address"}).get_data(as_text=True)
    assert "Введите адрес электронной почты" in page
    db.session.expire_all()
    assert db.session.get(User, officer.id).email is None
    client.post("/account/email", data={"email": "  me@example.org "})
    db.session.expire_all()
    assert db.session.get(User, officer.id).email == "me@example.org"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "email.changed"))
    assert "example.org" not in str(event.detail) + event.target  # the address stays out of the log
    assert 'value="me@example.org"' in client.get("/account/password").get_data(as_text=True)
    client.post("/account/email", data={"email": ""})
    db.session.expire_all()
    assert db.session.get(User, officer.id).email is None


def test_an_admin_sets_an_officers_address(client, ctx):
    officer = make_user(number="mail-adm")
    admin = make_user(role=Role.ADMIN, number="root-mail", institution=officer.institution)
    db.session.commit()
    login(client, admin)
    form = client.get(f"/admin/users/{officer.id}").get_data(as_text=True)
    assert 'name="email"' in form
    data = {"personnel_number": officer.personnel_number, "name_native": officer.name_native,
            "name_latin": officer.name_latin, "gender": officer.gender.value, "service": officer.service.value,
            "position": 0, "institution_id": officer.institution_id, "role": "officer", "locale": "",
            "is_active_account": "y", "scope_kind": "", "scope_institution_id": 0, "scope_country_id": 0,
            "email": "officer@example.org"}
    assert client.post(f"/admin/users/{officer.id}", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, officer.id).email == "officer@example.org"
    page = client.post(f"/admin/users/{officer.id}", data=dict(data, email="officer@")).get_data(as_text=True)
    assert "name@example.org" in page


def test_a_refused_message_is_tried_again_and_the_others_are_not_sent_twice(app, ctx, smtp_server):
    _world()
    smtp_server.refuse.add("zainab@example.org")
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0 and "1 reminders sent, 1 refused by the server" in result.output
    assert [rcpt for rcpt, _m in smtp_server.messages] == [["aigerim@example.org"]]
    smtp_server.refuse.clear()
    app.test_cli_runner().invoke(args=["reminders", "send"])
    assert [rcpt for rcpt, _m in smtp_server.messages] == [["aigerim@example.org"], ["zainab@example.org"]]
