"""`lms reports`: scheduled exports for a ministry, with the same numbers as the pages."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from lms.extensions import db
from lms.i18n import LOCALES
from lms.org.models import Country, Institution, Role, User, audit
from lms.reports import exports, queries
from lms.timeutil import today


def scope_viewer(scope: str | None) -> User:
    """A stand-in account, never saved, whose scope is the one asked for.

    Reports are always filtered through lms.org.scope as if this account were looking:
    `country:KZ` acts as that country's manager, `institution:<id>` as that institution's,
    and no scope as an administrator.
    """
    if not scope:
        return User(id=0, role=Role.ADMIN)
    kind, _sep, value = scope.partition(":")
    if kind == "country":
        country = db.session.scalar(sa.select(Country).where(Country.code == value.upper()))
        if country is None:
            raise click.BadParameter(f"no country with the code {value!r}", param_hint="--scope")
        return User(id=0, role=Role.MANAGER, scope_country_id=country.id)
    if kind == "institution" and value.isdigit():
        if db.session.get(Institution, int(value)) is None:
            raise click.BadParameter(f"no institution with the id {value}", param_hint="--scope")
        return User(id=0, role=Role.MANAGER, scope_institution_id=int(value))
    raise click.BadParameter("use country:<code> or institution:<id>", param_hint="--scope")


def _write(table: exports.Table, fmt: str, out: Path, sheet: str) -> None:
    if fmt == "csv":
        with out.open("w", encoding="utf-8", newline="") as stream:
            exports.write_csv(stream, table)
    else:
        exports.write_xlsx(out, table, sheet)


_scope = click.option("--scope", help="country:<code> or institution:<id> (default: everything).")
_format = click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
_out = click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True,
                    help="File to write.")
_lang = click.option("--lang", type=click.Choice(list(LOCALES)), default=None,
                     help="Language of the column headers (default: the deployment's).")


@click.group("reports", help="Export reports: the same numbers as the report pages.")
def reports_group() -> None:
    pass


@reports_group.command("completions")
@_scope
@click.option("--course", "course_id", help="Course id (default: every course).")
@_format
@_out
@_lang
def completions_command(scope: str | None, course_id: str | None, fmt: str, out: Path, lang: str | None) -> None:
    """Write the completion register: every officer and course in the scope."""
    viewer = scope_viewer(scope)
    titles = queries.course_titles()
    if course_id and course_id not in titles:
        raise click.BadParameter(f"no course {course_id!r}", param_hint="--course")
    lang = lang or current_app.config["BABEL_DEFAULT_LOCALE"]
    flt = queries.RegisterFilter(course_id=course_id)
    with force_locale(lang):
        table = exports.register_table(queries.register_rows(viewer, flt, today()), lang, titles)
        _write(table, fmt, out, "Register")
    audit(None, "report.exported", "register", format=fmt, scope=scope or "all", via="command")
    db.session.commit()
    click.echo(f"Wrote {out}.")


@reports_group.command("summary")
@click.option("--from", "start", type=click.DateTime(formats=["%Y-%m-%d"]), required=True)
@click.option("--to", "end", type=click.DateTime(formats=["%Y-%m-%d"]), required=True)
@_scope
@_format
@_out
@_lang
def summary_command(start, end, scope: str | None, fmt: str, out: Path, lang: str | None) -> None:
    """Write the training summary for a period (small groups suppressed, as on the page)."""
    first: date = start.date()
    last: date = end.date()
    if last < first:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    viewer = scope_viewer(scope)
    lang = lang or current_app.config["BABEL_DEFAULT_LOCALE"]
    threshold = int(current_app.config.get("LMS_SMALL_GROUP_THRESHOLD", 5))
    with force_locale(lang):
        data = queries.donor_summary(viewer, first, last)
        table = exports.summary_table(data, lang, queries.course_titles(), threshold)
        _write(table, fmt, out, "Summary")
    audit(None, "report.exported", "summary", format=fmt, scope=scope or "all", start=first.isoformat(),
          end=last.isoformat(), via="command")
    db.session.commit()
    click.echo(f"Wrote {out}.")
