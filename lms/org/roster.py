"""Roster import: a CSV or XLSX of officers is checked whole, then imported whole, or not at all."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from lms.auth.passwords import give_one_time_password
from lms.bounds import clean_line
from lms.extensions import db
from lms.i18n import LOCALES
from lms.org import personnel, roster_files
from lms.org import positions as position_list
from lms.org.models import Gender, Institution, Role, Service, User

COLUMNS = ["personnel_number", "name_native", "name_latin", "gender", "service", "position",
           "institution_id", "role", "language"]
REQUIRED = {"personnel_number", "name_native", "name_latin", "gender", "service", "institution_id"}
MAX_ROWS = 5000
MAX_LENGTH = {"name_native": 200, "name_latin": 200, "position": 120}
INSTITUTION_RE = re.compile(r"[0-9]{1,9}")  # ASCII digits only: "¹".isdigit() is True


@dataclass
class RowError:
    line: int
    column: str
    message: str


def parse(data: bytes) -> tuple[list[dict], list[RowError]]:
    """Check every row; return the rows to create and every problem found."""
    try:
        sheet = roster_files.read(data)
    except roster_files.RosterFileError as error:
        return [], [RowError(0, "", str(error))]
    header = sheet.header
    missing = sorted(REQUIRED - set(header))
    if missing:
        return [], [RowError(1, ", ".join(missing), _("Required columns are missing."))]
    countries = dict(db.session.execute(sa.select(Institution.id, Institution.country_id)).tuples().all())
    institutions = set(countries)
    lists = position_list.all_by_country()
    taken = personnel.taken_keys()
    rows: list[dict] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for line, raw in sheet.rows:
        if line - 1 > MAX_ROWS:
            errors.append(RowError(line, "", _("Too many rows: at most %(n)d in one file.", n=MAX_ROWS)))
            break
        # Control and invisible characters are cleaned from names (lms.bounds); a personnel
        # number keeps them, so that its own rule refuses it rather than a changed number passing.
        row = {k.strip(): (v or "").strip() if k.strip() == "personnel_number" else clean_line(v or "")
               for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        if sheet.encoding == "cp1251":
            # Windows-1251 has no Kazakh or Tajik letters: Excel wrote "?" in their place.
            for column in ("name_native", "position"):
                if "?" in row.get(column, ""):
                    errors.append(RowError(line, column, _(
                        "A letter was lost when the file was saved in Windows-1251 (it shows as “?”). "
                        "Save the file as “CSV UTF-8” or as XLSX and send it again.")))
        for column in sorted(REQUIRED):
            if not row.get(column):
                errors.append(RowError(line, column, _("This field is required.")))
        for column, limit in MAX_LENGTH.items():
            if len(row.get(column, "")) > limit:
                errors.append(RowError(line, column, _("Too long: at most %(n)d characters.", n=limit)))
        number = row.get("personnel_number", "")
        if number and (problem := personnel.format_problem(number)) is not None:
            errors.append(RowError(line, "personnel_number", problem))
        elif number:
            key = personnel.key(number)
            if key in taken:
                errors.append(RowError(line, "personnel_number", _("This personnel number is already in use.")))
            elif key in seen:
                errors.append(RowError(line, "personnel_number",
                                       _("The same personnel number is on line %(line)d.", line=seen[key])))
            seen[key] = line
        checks = (
            ("gender", {g.value for g in Gender}),
            ("service", {s.value for s in Service}),
        )
        for column, allowed in checks:
            if row.get(column) and row[column].lower() not in allowed:
                errors.append(RowError(line, column, _("Use one of: %(values)s.", values=", ".join(sorted(allowed)))))
        role = (row.get("role") or "officer").lower()
        if role not in {r.value for r in Role} or role == Role.ADMIN.value:
            errors.append(RowError(line, "role", _("Use one of: %(values)s.", values="officer, trainer")))
        if role == Role.MANAGER.value:
            errors.append(RowError(line, "role", _("Managers need a scope: add them one by one.")))
        inst = row.get("institution_id", "")
        if inst and (not INSTITUTION_RE.fullmatch(inst) or int(inst) not in institutions):
            errors.append(RowError(line, "institution_id", _("No institution has this number.")))
        written = row.get("position", "")
        if written and INSTITUTION_RE.fullmatch(inst) and int(inst) in institutions:
            found = position_list.find(countries[int(inst)], written, lists)
            if found is None:
                errors.append(RowError(line, "position", _(
                    "This position is not in the list of the institution's country. Use a name from "
                    "Administration › Positions, or add it there first.")))
            else:
                row["position"] = found.key
        lang = row.get("language", "")
        if lang and lang not in LOCALES:
            errors.append(RowError(line, "language", _("Use one of: %(values)s.", values=", ".join(LOCALES))))
        rows.append({**row, "role": role, "line": line})
    if not rows and not errors:
        errors.append(RowError(0, "", _("The file has no rows to import.")))
    return rows, errors


def create_accounts(rows: list[dict]) -> list[tuple[User, str]]:
    """Create every account with a one-time password (the caller commits once).

    One-time passwords are hashed with the light parameters fit for them (lms.auth.passwords),
    and the accounts go to the database in one batch: 5,000 officers take seconds.
    """
    created = []
    for row in rows:
        user = User(
            personnel_number=row["personnel_number"],
            name_native=row["name_native"], name_latin=row["name_latin"],
            gender=row["gender"].lower(), service=row["service"].lower(),
            position=row.get("position", ""), institution_id=int(row["institution_id"]),
            role=row["role"], locale=row.get("language") or None,
        )
        created.append((user, give_one_time_password(user)))
    db.session.add_all([user for user, _password in created])
    db.session.flush()
    return created
