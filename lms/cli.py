"""The `lms` console command: Flask's own commands plus the platform's."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup


def main() -> None:
    from lms import create_app

    def create_app_with_migrations() -> Flask:
        # The `db` commands (Flask-Migrate) are loaded by the command line only, not by web workers.
        app = create_app()
        app.extensions["migrate"].load()
        return app

    FlaskGroup(create_app=create_app_with_migrations, help="Training platform for prison and probation services.")()


def register_commands(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(users_group)
    from lms.authoring.cli import export_command, import_command
    from lms.catalog.cli import courses_group

    courses_group.add_command(export_command)
    courses_group.add_command(import_command)
    app.cli.add_command(courses_group)
    from lms.translation.cli import translations_group

    app.cli.add_command(translations_group)
    from lms.certificates.cli import certificates_group

    app.cli.add_command(certificates_group)
    from lms.reports.cli import reports_group

    app.cli.add_command(reports_group)
    from lms.learning.cli import reminders_group

    app.cli.add_command(reminders_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(worker_command)


@click.command("worker")
@click.option("--workers", type=click.IntRange(1, 32), help="Worker processes (default: LMS_TASK_WORKERS).")
def worker_command(workers: int | None) -> None:
    """Run the task queue's consumer: long jobs such as certificate zips (next to the web server)."""
    import logging

    from flask import current_app

    from lms import tasks

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(processName)s %(levelname)s %(message)s")
    tasks.consumer(current_app, workers or current_app.config["LMS_TASK_WORKERS"]).run()


@click.command("demo")
def demo_command() -> None:
    """Load demo data (idempotent) and print the demo accounts."""
    from lms.extensions import db
    from lms.org.demo import ensure_demo, keep_passwords

    accounts, known = ensure_demo()
    db.session.commit()
    keep_passwords(known)
    click.echo("")
    click.echo("Demo accounts (personnel number / password):")
    for number, role, password in accounts:
        click.echo(f"  {role:<8} {number:<10} {password}")
    click.echo("")


@click.command("backup")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path),
              help="Write a dated backup (lms-YYYYMMDDTHHMMSSZ.tar.gz) into this folder instead.")
@click.option("--keep", type=click.IntRange(min=1), help="With --dir: keep only this many newest backups.")
@click.option("--with-private-keys", is_flag=True,
              help="Also the private signing keys (then guard the file as you guard the keys).")
def backup_command(file: Path | None, folder: Path | None, keep: int | None, with_private_keys: bool) -> None:
    """Back up the database and the public signing keys into one archive (mode 0600)."""
    from flask import current_app

    from lms import backup
    from lms.extensions import db
    from lms.org.models import audit

    if (file is None) == (folder is None):
        raise click.UsageError("Give either FILE or --dir.")
    if keep is not None and folder is None:
        raise click.UsageError("--keep goes with --dir.")
    if file is not None:
        target = file
    else:
        assert folder is not None  # one of the two, checked above
        target = folder / backup.dated_name()
    try:
        manifest = backup.create(db.engine, Path(current_app.instance_path), target, with_private_keys)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    # Recorded after the archive is written, so the archive itself does not hold the event.
    audit(None, "backup.created_with_private_keys" if with_private_keys else "backup.created", target.name)
    db.session.commit()
    click.echo(f"Backup written to {target} ({manifest['database']}, revision {manifest['revision']}, "
               f"{len(manifest['public_keys'])} public keys, {len(manifest['private_keys'])} private keys).")
    if folder is not None and keep is not None:
        for old in backup.prune(folder, keep):
            click.echo(f"Removed old backup {old}")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Overwrite a database that already has tables.")
def restore_command(file: Path, replace: bool) -> None:
    """Restore a backup made by `lms backup` into LMS_DATABASE_URL and the instance folder."""
    from flask import current_app

    from lms import backup
    from lms.extensions import db

    try:
        done = backup.restore(db.engine, Path(current_app.instance_path), file, replace)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored the {done.database} database at revision {done.revision}; "
               f"{len(done.public_keys)} public and {len(done.private_keys)} private keys added.")
    if done.kept_current_key:
        click.echo(f"The instance already signs with key {done.kept_current_key}; it stays the current key.")
    if not done.private_keys:
        click.echo("No private key restored: new certificates will be signed with a new key; "
                   "earlier ones still verify.")
    click.echo("Next: lms db upgrade (if this release is newer), then start the app servers.")


@click.group("users", help="Manage accounts.")
def users_group() -> None:
    pass


@users_group.command("create-admin")
@click.argument("personnel_number")
@click.option("--name", "name", default="Administrator", help="Full name.")
@click.option("--country", default="KZ", show_default=True, help="Country code of the institution.")
@click.password_option(prompt="Password (leave empty for a one-time password)", default="", show_default=False)
def create_admin(personnel_number: str, name: str, country: str, password: str) -> None:
    """Create an administrator account (and a headquarters institution if none exists)."""
    import sqlalchemy as sa

    from lms.auth.passwords import one_time_password, password_problems, set_password
    from lms.extensions import db
    from lms.org import personnel
    from lms.org.models import Country, Gender, Institution, InstitutionKind, Role, Service, User

    personnel_number = personnel.clean(personnel_number)
    if problem := personnel.problem(personnel_number):
        raise click.ClickException(f"{personnel_number}: {problem}")
    if password and (problems := password_problems(password, personnel_number, (name,))):
        raise click.ClickException(" ".join(problems))
    code = country.upper()
    ctry = db.session.scalar(sa.select(Country).where(Country.code == code))
    if ctry is None:
        ctry = Country(code=code, names={"en": code})
        db.session.add(ctry)
        db.session.flush()
    inst = db.session.scalar(
        sa.select(Institution).where(Institution.country_id == ctry.id).order_by(Institution.id)
    )
    if inst is None:
        inst = Institution(country_id=ctry.id, kind=InstitutionKind.HEADQUARTERS, names={"en": "Headquarters"})
        db.session.add(inst)
        db.session.flush()
    chosen = password or one_time_password()
    user = User(
        personnel_number=personnel_number, name_native=name, name_latin=name,
        gender=Gender.FEMALE, service=Service.PRISON, institution_id=inst.id, role=Role.ADMIN,
    )
    set_password(user, chosen, one_time=not password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Administrator {personnel_number} created.")
    if not password:
        click.echo(f"One-time password: {chosen} (to be changed at first sign-in)")
