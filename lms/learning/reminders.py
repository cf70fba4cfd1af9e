"""E-mail reminders of assignments due soon or overdue, sent by `lms reminders send` (cron).

Only when the deployment has an SMTP server (LMS_SMTP_HOST) and only to officers who saved an
e-mail address. Each message is in the officer's language and holds their name, the courses'
titles, due dates and the platform's address: nothing else of them. Each kind of reminder
("due_soon", "overdue", as lms.learning.assignments.due_kind decides) is sent once per due date.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from lms.catalog.queries import published_versions
from lms.extensions import db
from lms.i18n import LOCALES, date_text, pick
from lms.learning.assignments import due_kind
from lms.learning.models import Enrolment
from lms.org.models import User


@dataclass
class Reminder:
    user: User
    items: list[tuple[Enrolment, str]] = field(default_factory=list)  # (assignment, kind)


def smtp_configured(config) -> bool:
    return bool(config.get("LMS_SMTP_HOST"))


def due(today: date) -> list[Reminder]:
    """Officers with an e-mail address and an assignment due soon or overdue not yet reminded of."""
    rows = db.session.execute(
        sa.select(Enrolment, User).join(User, User.id == Enrolment.user_id)
        .where(User.email.is_not(None), User.email != "", User.is_active_account.is_(True),
               Enrolment.completed_at.is_(None), Enrolment.due_on.is_not(None),
               Enrolment.assigned_by_id.is_not(None))
        .order_by(User.id, Enrolment.due_on)
    ).all()
    reminders: dict[int, Reminder] = {}
    for enrolment, user in rows:
        kind = due_kind(enrolment, today)
        if kind is not None and enrolment.reminded != kind:
            reminders.setdefault(user.id, Reminder(user)).items.append((enrolment, kind))
    return list(reminders.values())


def compose(reminder: Reminder, config, titles: dict[str, dict]) -> EmailMessage:
    """The message in the officer's language (or the deployment's default)."""
    user = reminder.user
    lang = user.locale if user.locale is not None and user.locale in LOCALES else str(config.get("BABEL_DEFAULT_LOCALE", "en"))
    with force_locale(lang):
        lines = [_("Hello, %(name)s.", name=user.name_native), ""]
        for enrolment, kind in reminder.items:
            title = pick(titles.get(enrolment.course_id), lang).text or enrolment.course_id
            when = date_text(enrolment.due_on, "long", lang)
            if kind == "overdue":
                lines.append("- " + _("%(course)s: overdue since %(date)s", course=title, date=when))
            else:
                lines.append("- " + _("%(course)s: due on %(date)s", course=title, date=when))
        lines += ["", _("Open your training: %(url)s", url=config["LMS_PUBLIC_URL"].rstrip("/") + "/learning"),
                  "", _("You receive this message because an e-mail address is saved on your training "
                        "account. To stop these reminders, remove it on your account page or ask an "
                        "administrator.")]
        subject = _("Training reminder: courses assigned to you")
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config["LMS_MAIL_FROM"]
    assert user.email  # reminders go only to accounts with an address (see due)
    message["To"] = formataddr((user.name_native, user.email))
    message["Message-ID"] = make_msgid(domain="lms.local")
    message.set_content("\n".join(lines))
    message["Content-Language"] = lang  # after set_content, which clears Content-* headers
    return message


def send(config, today: date, dry_run: bool = False) -> tuple[int, int]:
    """Send every reminder due (one SMTP connection); (sent, failed). The caller commits.

    Each assignment is marked as reminded only once its message has been accepted, so a
    failure (or a second run the same day) never loses a reminder nor sends one twice.
    """
    reminders = due(today)
    if dry_run or not reminders:
        return (len(reminders) if dry_run else 0), 0
    titles = {v.course_id: v.content["title"] for v in published_versions()}
    sent = failed = 0
    with smtplib.SMTP(config["LMS_SMTP_HOST"], config["LMS_SMTP_PORT"], timeout=30) as smtp:
        if config.get("LMS_SMTP_STARTTLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("LMS_SMTP_USER"):
            smtp.login(config["LMS_SMTP_USER"], config.get("LMS_SMTP_PASSWORD", ""))
        for number, reminder in enumerate(reminders):
            try:
                smtp.send_message(compose(reminder, config, titles))
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError):
                failed += 1  # this one refused: the next run tries it again
                continue
            except smtplib.SMTPServerDisconnected:
                failed += len(reminders) - number  # the rest wait for the next run; the sent stay marked
                break
            for enrolment, kind in reminder.items:
                enrolment.reminded = kind
            db.session.flush()
            sent += 1
    return sent, failed
