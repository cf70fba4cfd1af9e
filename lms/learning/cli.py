"""`lms reminders send`: e-mail reminders of assignments, run by cron (never by a web request)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("reminders")
def reminders_group() -> None:
    """E-mail reminders of assignments due soon or overdue."""


@reminders_group.command("send")
@click.option("--dry-run", is_flag=True, help="Count the reminders due without sending them.")
@with_appcontext
def send_command(dry_run: bool) -> None:
    """Send the reminders due today (only when LMS_SMTP_HOST is set)."""
    from lms.extensions import db
    from lms.learning import reminders
    from lms.timeutil import today

    config = current_app.config
    if not reminders.smtp_configured(config) and not dry_run:
        click.echo("No SMTP server is configured (LMS_SMTP_HOST): no e-mail sent.")
        return
    try:
        sent, failed = reminders.send(config, today(), dry_run=dry_run)
    except OSError as exc:  # the server unreachable or refusing: nothing is marked as sent
        db.session.rollback()
        raise click.ClickException(f"SMTP server {config['LMS_SMTP_HOST']}: {exc}") from exc
    db.session.commit()
    if dry_run:
        click.echo(f"{sent} officers have reminders due.")
    else:
        click.echo(f"{sent} reminders sent, {failed} refused by the server.")
