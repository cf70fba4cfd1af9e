"""Reading roster files as spreadsheet programs write them, and the templates to fill in.

Excel in Russian and Kazakh settings saves "CSV" with semicolons in Windows-1251, "CSV UTF-8"
with a byte-order mark, and XLSX. All of them are read here into the same rows; a text file
in an encoding that cannot be recognised is refused with a message saying how to save it.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.i18n import LOCALES
from lms.org.search import fold

COLUMN_LABELS = {
    "personnel_number": _l("Personnel number"),
    "name_native": _l("Full name (as written in the officer's language)"),
    "name_latin": _l("Full name in Latin letters"),
    "gender": _l("Gender"),
    "service": _l("Service"),
    "position": _l("Position"),
    "institution_id": _l("Institution number"),
    "role": _l("Role"),
    "language": _l("Language"),
}
DELIMITERS = (",", ";", "\t")
XLSX_MAGIC = b"PK\x03\x04"


class RosterFileError(ValueError):
    """The file cannot be read as a table; the message says what to do."""


@dataclass
class Sheet:
    header: list[str]  # column keys (unknown headings kept as written)
    rows: list[tuple[int, dict[str, str]]]  # (line number in the file, values by column key)
    encoding: str  # "xlsx", "utf-8" or "cp1251"


def header_title(key: str) -> str:
    """A column heading in the interface language and the column's key: "Табельный номер (personnel_number)"."""
    return f"{COLUMN_LABELS[key]} ({key})"


def _heading_keys() -> dict[str, str]:
    """Every accepted heading (the key, or a column's name in any interface language), folded."""
    keys = {key: key for key in COLUMN_LABELS}
    for lang in LOCALES:
        with force_locale(lang):
            for key, label in COLUMN_LABELS.items():
                keys[fold(str(label))] = key
    return keys


def column_key(heading: str, accepted: dict[str, str]) -> str:
    """The column key of a heading: "… (key)", the key itself, or a translated column name."""
    text = heading.strip()
    if text.endswith(")") and "(" in text:
        inner = text[text.rindex("(") + 1:-1].strip()
        if inner in COLUMN_LABELS:
            return inner
    return accepted.get(fold(text), text)


def _decode(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1251", errors="replace")
    if "\ufffd" not in text and "\x00" not in text and _reads_as_cyrillic(text):
        return text, "cp1251"
    raise RosterFileError(_(
        "The file's text encoding could not be recognised. In Excel choose File › Save As › "
        "“CSV UTF-8 (comma delimited)” or “Excel Workbook (.xlsx)”, and send that file."))


def _reads_as_cyrillic(text: str) -> bool:
    """Whether text decoded as Windows-1251 looks like Cyrillic words: "Иванов", "ИВАНОВ" or
    "иванов". Other single-byte encodings (Windows-1256 Arabic, for example) decode to
    Cyrillic letters too, but with the letter case mixed inside words ("ГНгП")."""
    words = re.findall(r"[\u0400-\u04ff]+", text)
    if not words:
        return False
    well_formed = sum(1 for w in words if w.islower() or w.isupper() or (w[0].isupper() and w[1:].islower()))
    return well_formed >= 0.9 * len(words)


def _sniff(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_text(data: bytes) -> Sheet:
    text, encoding = _decode(data)
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text), delimiter=_sniff(first_line))
    try:
        lines = list(reader)
    except csv.Error as error:  # a field past the csv module's limit (128 KiB), a stray quote
        raise RosterFileError(_(
            "Line %(line)d cannot be read: a value is far too long or a quotation mark is not closed. "
            "Correct the file and send it again.", line=reader.line_num)) from error
    return _sheet(lines, encoding)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a personnel number or institution typed as a number
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    return str(value)


def _read_xlsx(data: bytes) -> Sheet:
    from openpyxl import load_workbook  # loaded on first use, not in every web worker

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise RosterFileError(_("The XLSX file could not be read. Open it in Excel, save it again and send it.")) from error
    try:
        sheet = book.worksheets[0]
        lines = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    return _sheet(lines, "xlsx")


def _sheet(lines: list[list[str]], encoding: str) -> Sheet:
    if not lines:
        return Sheet([], [], encoding)
    accepted = _heading_keys()
    header = [column_key(h, accepted) for h in lines[0]]
    rows = []
    for line, values in enumerate(lines[1:], start=2):
        row = {key: (values[i] if i < len(values) else "") for i, key in enumerate(header) if key}
        rows.append((line, row))
    return Sheet(header, rows, encoding)


def read(data: bytes) -> Sheet:
    """The rows of a roster file: XLSX, or CSV with comma, semicolon or tab, UTF-8 (with or
    without a byte-order mark) or Windows-1251."""
    if data.startswith(XLSX_MAGIC):
        return _read_xlsx(data)
    return _read_text(data)


def template_csv(columns: list[str]) -> str:
    """An empty roster in CSV (UTF-8 with a byte-order mark, so Excel shows Cyrillic and Arabic)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    csv.writer(buffer).writerow([header_title(c) for c in columns])
    return buffer.getvalue()


def template_xlsx(columns: list[str], notes: list[str]) -> bytes:
    """An empty roster workbook: a bold, frozen heading row with wide columns, and the rules
    for each column on a second sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = str(_("Roster"))[:31]
    sheet.append([header_title(c) for c in columns])
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = max(14, min(50, len(header_title(column)) + 2))
        # Personnel numbers such as 007 must stay text.
        sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"
    help_sheet = book.create_sheet(str(_("How to fill in"))[:31])
    for note in notes:
        help_sheet.append([note])
    help_sheet.column_dimensions["A"].width = 100
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
