"""`lms certificates ...`: list, print, verify, export and rotate the signing key."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app

from lms.certificates import badge, queries
from lms.certificates.export import pdf_bytes, pdf_files, zip_stream
from lms.certificates.keys import app_store, store_for
from lms.certificates.models import Certificate
from lms.certificates.serial import normalise
from lms.certificates.signing import InvalidPayloadError, verify_payload
from lms.extensions import db
from lms.org.models import User, audit


@click.group("certificates", help="Certificates: list, print, verify, export; rotate the signing key.")
def certificates_group() -> None:
    pass


def _scope(text: str | None) -> sa.ColumnElement[bool]:
    try:
        return queries.parse_scope(text)
    except queries.BadScopeError as exc:
        raise click.BadParameter(str(exc), param_hint="--scope") from exc


SCOPE_HELP = "country:CODE, institution:ID or cohort:ID (default: every certificate)."


@certificates_group.command("list")
@click.option("--scope", help=SCOPE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text lines.")
def list_command(scope: str | None, as_json: bool) -> None:
    """List certificates: serial, status, date, course and version, name."""
    certs = db.session.scalars(
        sa.select(Certificate).join(User, User.id == Certificate.user_id).where(_scope(scope))
        .order_by(Certificate.issued_at, Certificate.id)
    ).all()
    if as_json:
        click.echo(json.dumps([{
            "serial": c.serial, "status": "revoked" if c.is_revoked else "valid",
            "name": c.name_native, "name_latin": c.name_latin, "course": c.course_id,
            "version": c.course_version, "completed_on": c.completed_on.isoformat(),
            "final_score": c.final_score, "hours": c.hours, "institution_id": c.institution_id,
            "issued_at": c.issued_at.isoformat(),
            "revoked_at": c.revoked_at.isoformat() if c.revoked_at else None,
        } for c in certs], ensure_ascii=False, indent=2))
        return
    for c in certs:
        status = "revoked" if c.is_revoked else "valid"
        click.echo(f"{c.serial}\t{status}\t{c.completed_on.isoformat()}\t{c.course_id} v{c.course_version}\t{c.name_latin}")


@certificates_group.command("pdf")
@click.argument("serial")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="PDF file to write.")
@click.option("--lang", help="Print in this one course language (default: the officer's language and English).")
def pdf_command(serial: str, out: Path, lang: str | None) -> None:
    """Write the PDF of a certificate."""
    canonical = normalise(serial)
    cert = queries.by_serial(canonical) if canonical else None
    if cert is None:
        raise click.ClickException(f"No certificate has the serial {serial}.")
    if cert.is_revoked:
        raise click.ClickException(f"The certificate {cert.serial} is revoked.")
    if lang and lang not in cert.languages:
        raise click.BadParameter(f"choose one of {', '.join(cert.languages)}", param_hint="--lang")
    out.write_bytes(pdf_bytes(cert, lang, cert.user.locale))
    click.echo(f"Wrote {out}")


@certificates_group.command("verify")
@click.argument("payload")
@click.option("--public-keys", "keys_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON of public keys as published at /certificates/public-keys "
                   "(default: the keys in the instance folder).")
def verify_command(payload: str, keys_file: Path | None) -> None:
    """Check a certificate's QR text (link or payload) with the public keys alone."""
    if keys_file:
        keys = json.loads(keys_file.read_text())
    else:
        keys = store_for(current_app.instance_path).public_keys()
    try:
        fields = verify_payload(payload, keys)
    except InvalidPayloadError as exc:
        click.echo(f"INVALID: {exc}", err=True)
        raise SystemExit(1) from exc
    click.echo("VALID: signed by the platform key " + fields["key"])
    for name in ("serial", "name", "name_latin", "title", "version", "hours", "date", "score",
                 "institution", "signer", "signer_title", "lang"):
        click.echo(f"{name}: {fields[name] if fields[name] is not None else ''}")


@certificates_group.command("verify-badge")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--public-keys", "keys_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON of public keys as published at /certificates/public-keys "
                   "(default: the keys in the instance folder).")
@click.option("--name", help="Also check that the credential was issued to this name (as printed).")
def verify_badge_command(file: Path, keys_file: Path | None, name: str | None) -> None:
    """Check an Open Badges credential (badge.json) with the platform's public keys alone."""
    keys = json.loads(keys_file.read_text()) if keys_file else app_store().published()
    try:
        document = badge.verify(json.loads(file.read_text(encoding="utf-8")), keys)
    except ValueError as exc:  # InvalidProofError, or not JSON
        click.echo(f"INVALID: {exc}", err=True)
        raise SystemExit(1) from exc
    click.echo(f"VALID: signed by the platform key of {badge.issuer_id(document)}")
    click.echo(f"credential: {document.get('id', '')}")
    if name is not None:
        if not badge.holder_named(document, name):
            click.echo("INVALID: the credential was not issued to this name", err=True)
            raise SystemExit(1)
        click.echo("holder: the name matches")


@certificates_group.command("export")
@click.option("--scope", help=SCOPE_HELP)
@click.option("--course", "course_id", help="Only certificates of this course.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Zip file to write.")
@click.option("--workers", default=min(4, os.cpu_count() or 1), show_default=True, type=click.IntRange(1, 16),
              help="Processes drawing PDFs in parallel.")
def export_command(scope: str | None, course_id: str | None, out: Path, workers: int) -> None:
    """Write the PDFs of every valid certificate in a scope into a zip file."""
    certs = queries.for_export(None, _scope(scope), course_id)
    if not certs:
        raise click.ClickException("No valid certificates in this scope.")
    tmp = out.with_name(out.name + ".part")
    with click.progressbar(length=len(certs), label="Certificates") as bar, tmp.open("wb") as fh:
        for chunk in zip_stream(pdf_files(certs, workers=workers, progress=bar.update)):
            fh.write(chunk)
    tmp.replace(out)
    audit(None, "certificates.exported", scope or "all", certificates=len(certs), via="command")
    db.session.commit()
    click.echo(f"Wrote {len(certs)} certificates to {out}")


@certificates_group.command("rotate-key")
def rotate_key_command() -> None:
    """Make a new signing key; older certificates stay verifiable with the old public keys."""
    kid = app_store().rotate()
    click.echo(f"New signing key {kid}. Publish the public keys again (README): "
               f"{json.dumps(app_store().published(), sort_keys=True)}")


@certificates_group.command("public-keys")
def public_keys_command() -> None:
    """Print the public keys as published at /certificates/public-keys (for the README)."""
    click.echo(json.dumps(app_store().published(), indent=2, sort_keys=True))
