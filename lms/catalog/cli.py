"""`lms courses check` and `lms courses load`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

courses_group = AppGroup("courses", help="Check and load course folders.")


def _root(directory: str | None) -> Path:
    return Path(directory or current_app.config["LMS_COURSES_DIR"])


@courses_group.command("check")
@click.argument("directory", required=False)
def check(directory: str | None) -> None:
    """Check every course in DIRECTORY (default: courses/) against the course format."""
    from lms.catalog.spec import read_courses

    root = _root(directory)
    courses, problems = read_courses(root)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) found in {root}", err=True)
        raise SystemExit(1)
    click.echo(f"{len(courses)} course(s) checked, no problems.")


@courses_group.command("load")
@click.argument("directory", required=False)
def load(directory: str | None) -> None:
    """Load the valid courses in DIRECTORY into the database (idempotent)."""
    from lms.catalog.loader import course_folders, load_course_dir
    from lms.extensions import db

    root = _root(directory)
    if not root.is_dir():
        raise click.ClickException(f"{root}: folder does not exist")
    refused = 0
    for folder in course_folders(root):
        # Each course in its own transaction: a refused course leaves the others loaded.
        try:
            result = load_course_dir(folder)
        except Exception:
            db.session.rollback()
            raise
        if result.outcome == "refused":
            db.session.rollback()
            refused += 1
            click.echo(f"{result.course_id}: refused, the database was left as it was", err=True)
            for problem in result.problems or []:
                click.echo(f"  {problem}", err=True)
        else:
            db.session.commit()
            held = f"; {result.held} officer(s) in the middle finish on the previous version" if result.held else ""
            click.echo(f"{result.course_id}: {result.outcome} (version {result.version}){held}")
    if refused:
        raise SystemExit(1)
