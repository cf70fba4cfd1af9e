"""Roster import: a CSV or XLSX of officers is checked whole, then imported whole, or not at all."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from lms.admin import roster_files
from lms.auth.passwords import hash_password, one_time_password
from lms.extensions import db
from lms.i18n import LOCALES
from lms.org import positions as position_list
from lms.org.models import Gender, Institution, Role, Service, User

COLUMNS = ["personnel_number", "name_native", "name_latin", "gender", "service", "position",
           "institution_id", "role", "language"]
REQUIRED = {"personnel_number", "name_native", "name_latin", "gender", "service", "institution_id"}
MAX_ROWS = 5000
MAX_LENGTH = {"personnel_number": 40, "name_native": 200, "name_latin": 200, "position": 120}
NUMBER_RE = re.compile(r"^[A-Za-z0-9._-]+$")


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
    taken = {n.lower() for n in db.session.scalars(sa.select(User.personnel_number))}
    rows, errors, seen = [], [], {}
    for line, raw in sheet.rows:
        if line - 1 > MAX_ROWS:
            errors.append(RowError(line, "", _("Too many rows: at most %(n)d in one file.", n=MAX_ROWS)))
            break
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
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
        if number and not NUMBER_RE.match(number):
            errors.append(RowError(line, "personnel_number",
                                   _("Use Latin letters, digits, dot, dash or underscore.")))
        if number:
            if number.lower() in taken:
                errors.append(RowError(line, "personnel_number", _("This personnel number is already in use.")))
            elif number.lower() in seen:
                errors.append(RowError(line, "personnel_number",
                                       _("The same personnel number is on line %(line)d.", line=seen[number.lower()])))
            seen[number.lower()] = line
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
        if inst and (not inst.isdigit() or int(inst) not in institutions):
            errors.append(RowError(line, "institution_id", _("No institution has this number.")))
        written = row.get("position", "")
        if written and inst.isdigit() and int(inst) in institutions:
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
    """Create every account with a one-time password (the caller commits once)."""
    created = []
    for row in rows:
        password = one_time_password()
        user = User(
            personnel_number=row["personnel_number"], password_hash=hash_password(password),
            name_native=row["name_native"], name_latin=row["name_latin"],
            gender=row["gender"].lower(), service=row["service"].lower(),
            position=row.get("position", ""), institution_id=int(row["institution_id"]),
            role=row["role"], locale=row.get("language") or None, must_change_password=True,
        )
        db.session.add(user)
        created.append((user, password))
    db.session.flush()
    return created
