"""`lms courses export` and `lms courses import`: course packages from the command line."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from lms.authoring.packages import (
    MAX_TOTAL_BYTES,
    PACKAGE_MESSAGES,
    PackageRefusedError,
    export_zip,
    read_zip,
)


@click.command("export")
@click.argument("course_id")
@click.option("--draft", is_flag=True, help="The newest draft revision instead of the published version.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="The zip file to write.")
def export_command(course_id: str, draft: bool, out: str) -> None:
    """Write COURSE_ID's folder as a zip (the published version, or the draft)."""
    from lms.authoring import drafts

    if draft:
        row = drafts.draft_of(course_id)
        if row is None:
            raise click.ClickException(f"{course_id}: no draft")
        files = drafts.files_of(drafts.revision(row))
    else:
        published = drafts.published_files(course_id)
        if published is None:
            raise click.ClickException(
                f"{course_id}: no published files (unknown course, or loaded before files were kept: "
                "run `lms courses load` again)")
        files = published
    Path(out).write_bytes(export_zip(course_id, files))
    click.echo(f"{course_id}: {len(files)} file(s) written to {out}")


@click.command("import")
@click.argument("package", type=click.Path(exists=True, dir_okay=False))
def import_command(package: str) -> None:
    """Check a course package whole, then load it as `lms courses load` does; all or nothing."""
    from lms.authoring.drafts import check
    from lms.catalog.loader import load_course_dir
    from lms.catalog.sources import write_folder
    from lms.extensions import db

    with open(package, "rb") as fh:
        data = fh.read(MAX_TOTAL_BYTES + 1)
    try:
        course_id, files = read_zip(data)
    except PackageRefusedError as exc:
        for p in exc.problems:
            where = p.file or package
            click.echo(f"{where}: {PACKAGE_MESSAGES[p.code]}{f' ({p.detail})' if p.detail else ''}", err=True)
        click.echo(f"{package}: refused, the database was left as it was", err=True)
        raise SystemExit(1) from None
    _course, problems = check(course_id, files)
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        click.echo(f"{package}: refused, the database was left as it was", err=True)
        raise SystemExit(1)
    with tempfile.TemporaryDirectory(prefix="lms-import-") as tmp:
        result = load_course_dir(write_folder(files, Path(tmp) / course_id))
    if result.outcome == "refused":
        db.session.rollback()
        for problem in result.problems or []:
            click.echo(str(problem), err=True)
        click.echo(f"{package}: refused, the database was left as it was", err=True)
        raise SystemExit(1)
    db.session.commit()
    click.echo(f"{course_id}: {result.outcome} (version {result.version})")
