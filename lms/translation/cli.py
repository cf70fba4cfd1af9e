"""`lms translations export COURSE_ID LANG --out FILE.xlf` and `lms translations import FILE.xlf`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

translations_group = AppGroup("translations", help="Exchange a course's translations as XLIFF files.")

# The command line speaks English, as `lms courses check` does; the web page translates.
REFUSALS = {
    "too-big": "the file is larger than 10 MB",
    "malformed": "not a well-formed XLIFF file",
    "one-course": "the file must hold exactly one course (one <file> element)",
    "other-course": "the file belongs to another course",
    "other-version": "the file was exported from another version of the course",
    "other-source": "the file's source language is not the course's",
    "other-language": "the course does not list the file's target language",
    "no-course": "the course files cannot be read",
}
UNIT_REFUSALS = {
    "duplicate": "the segment is in the file twice",
    "unknown-segment": "no such segment in the course (the source changed since the export)",
    "source-changed": "the source text changed since the export: translate the new source",
    "one-block": "a lesson block translates into one block",
    "empty": "empty translation",
    "no-segment": "no such segment in the course",
}


@translations_group.command("export")
@click.argument("course_id")
@click.argument("lang")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="The XLIFF file to write.")
def export_command(course_id: str, lang: str, out: str) -> None:
    """Write LANG of COURSE_ID's draft (or its published files) as XLIFF."""
    from lms.authoring import drafts
    from lms.translation import records, xliff

    draft = drafts.draft_of(course_id)
    files = drafts.files_of(drafts.revision(draft)) if draft else drafts.published_files(course_id)
    if files is None:
        raise click.ClickException(f"{course_id}: no such course")
    try:
        data = xliff.export(course_id, files, lang)
    except records.TranslationError as exc:
        raise click.ClickException(f"{course_id}: {lang}: " + (
            "the course does not list this language" if exc.code == "bad-language" else "the course files cannot be read"
        )) from None
    Path(out).write_bytes(data)
    click.echo(f"{course_id}: {lang} written to {out}")


@translations_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(path: str) -> None:
    """Read an XLIFF file whole, then write its translations into the course's draft."""
    from lms.authoring import drafts
    from lms.extensions import db
    from lms.org.models import audit
    from lms.translation import xliff

    with open(path, "rb") as fh:
        data = fh.read(xliff.MAX_BYTES + 1)
    try:
        course_id = xliff.read(data)[0]
        draft = drafts.open_draft(None, course_id)
        head = drafts.revision(draft)
        report = xliff.import_into(course_id, drafts.files_of(head), data)
    except xliff.XliffRefusedError as exc:
        db.session.rollback()
        click.echo(f"{path}: refused, nothing was written: {REFUSALS[exc.code]}"
                   f"{f' ({exc.detail})' if exc.detail else ''}", err=True)
        raise SystemExit(1) from None
    except drafts.AuthoringError:
        db.session.rollback()
        click.echo(f"{path}: refused, nothing was written: no such course", err=True)
        raise SystemExit(1) from None
    for key, code, _detail in report.refused:
        click.echo(f"{key}: not written: {UNIT_REFUSALS.get(code, code)}", err=True)
    for key, code, detail in report.findings:
        click.echo(f"{key}: check: {code} {detail}", err=True)
    if report.changes:
        rev = drafts.save(draft, None, head.number, report.changes, action="xliff-imported")
        audit(None, "translation.xliff_imported", f"course:{course_id}", lang=report.lang,
              written=len(report.written), refused=len(report.refused), revision=rev.number if rev else head.number)
    db.session.commit()
    click.echo(f"{course_id}: {report.lang}: {len(report.written)} written, {report.unchanged} unchanged, "
               f"{len(report.refused)} not written (draft revision {draft.head})")
