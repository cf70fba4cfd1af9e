"""Report tables for export: CSV and XLSX, column headers in the reader's language.

The same tables serve the web exports and the `lms reports` command, so both give the
same numbers. Headers and labels are translated in the active locale (the viewer's, or
the one the command forces). Dates are ISO 8601 in CSV so other systems can read them, and
real dates in XLSX; numbers are numbers. An XLSX export starts with a title row naming the
report, its scope, its filters and when it was made, then a frozen header row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.i18n import pick
from lms.org import positions
from lms.org.labels import GENDER_LABELS, SERVICE_LABELS
from lms.org.models import Gender, Service
from lms.reports.labels import STATUS_LABELS
from lms.reports.queries import RegisterRow, Summary
from lms.reports.suppression import SUPPRESSED, Counts, SharedLine, shared_lines


@dataclass
class Table:
    headers: list[str]
    rows: Iterable[list]
    title: list[str] = field(default_factory=list)  # lines above the header in XLSX


def course_title(titles: dict[str, tuple[dict, str]], course_id: str, lang: str) -> str:
    names, source = titles.get(course_id, ({}, "en"))
    return pick(names, lang, source).text or course_id


def _date(value) -> date | str:
    """A date (written as YYYY-MM-DD in CSV, as a real date in XLSX), or "" when there is none."""
    if isinstance(value, datetime):
        return value.date()
    return value or ""


REGISTER_HEADERS = [
    _l("Name"), _l("Name in Latin letters"), _l("Personnel number"), _l("Gender"), _l("Service"),
    _l("Position"), _l("Country"), _l("Institution"), _l("Course"), _l("Course title"),
    _l("Status"), _l("Enrolled on"), _l("Due on"), _l("Completed on"), _l("Pre-test score"),
    _l("Final score"),
]


def register_table(rows: Iterable[RegisterRow], lang: str, titles: dict) -> Table:
    def lines() -> Iterator[list]:
        batch: list[RegisterRow] = []
        for r in rows:
            batch.append(r)
            if len(batch) == 500:
                yield from _register_lines(batch, lang, titles)
                batch = []
        yield from _register_lines(batch, lang, titles)

    return Table([str(h) for h in REGISTER_HEADERS], lines())


def _register_lines(batch: list[RegisterRow], lang: str, titles: dict) -> Iterator[list]:
    """Rows of the register; position names looked up once per batch, in the reader's language."""
    position_names = positions.names({r.position for r in batch}, lang)
    for r in batch:
        yield [
            r.name_native, r.name_latin, r.personnel_number, str(GENDER_LABELS[Gender(r.gender)]),
            str(SERVICE_LABELS[Service(r.service)]), position_names.get(r.position, r.position), r.country_code,
            pick(r.institution_names, lang).text, r.course_id, course_title(titles, r.course_id, lang),
            str(STATUS_LABELS[r.status]), _date(r.enrolled_at), _date(r.due_on),
            _date(r.completed_at), r.pre_test_score, r.final_score,
        ]


SUMMARY_HEADERS = [
    _l("Country code"), _l("Country"), _l("Course"), _l("Course title"), _l("Officers trained"),
    _l("Women"), _l("Share of women (%)"), _l("Completions"),
]


@dataclass
class SummaryItem:
    country_code: str
    country: str
    course_id: str  # empty on a country's or the overall total
    title: str
    shared: SharedLine


def summary_items(summary: Summary, lang: str, titles: dict, threshold: int) -> list[SummaryItem]:
    """The donor summary as shared: each country's courses, then the country, then all countries.

    Suppression looks at the whole table at once, so that no hidden group can be worked out
    by subtracting the lines around it from a total.
    """
    lines: dict[Hashable, Counts] = {("total",): _counts(summary.total)}
    relations: list[tuple[Hashable, list[Hashable]]] = [
        (("total",), [("country", c) for c, _line in summary.by_country])]
    for country_id, line in summary.by_country:
        lines[("country", country_id)] = _counts(line)
        parts: list[Hashable] = [("course", c, k) for c, k, _l in summary.by_country_course if c == country_id]
        relations.append((("country", country_id), parts))
    for c, k, line in summary.by_country_course:
        lines[("course", c, k)] = _counts(line)
    shared = shared_lines(lines, relations, threshold)
    items: list[SummaryItem] = []
    for country_id, _line in summary.by_country:
        country = summary.countries[country_id]
        name = country.name(lang).text
        for cid, course_id, _course_line in summary.by_country_course:
            if cid == country_id:
                items.append(SummaryItem(country.code, name, course_id, course_title(titles, course_id, lang),
                                         shared[("course", cid, course_id)]))
        items.append(SummaryItem(country.code, name, "", _("All courses"), shared[("country", country_id)]))
    items.append(SummaryItem("", _("All countries"), "", _("All courses"), shared[("total",)]))
    return items


def _counts(line) -> Counts:
    return Counts(line.trained, line.women, line.completions)


def summary_table(summary: Summary, lang: str, titles: dict, threshold: int) -> Table:
    hidden = _("hidden")

    def shown(value):
        return hidden if value is SUPPRESSED else value

    rows = []
    for item in summary_items(summary, lang, titles, threshold):
        shared = item.shared
        rows.append([
            item.country_code, item.country, item.course_id, item.title, shown(shared.trained),
            shown(shared.women),
            hidden if shared.share_women is None else round(100 * shared.share_women, 1),
            shown(shared.completions),
        ])
    return Table([str(h) for h in SUMMARY_HEADERS], rows)


def _cell_text(value) -> object:
    # A spreadsheet would run a cell starting with = + - @ (or a tab or carriage return
    # before one) as a formula: keep text as text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def iter_csv(table: Table, rows_per_chunk: int = 500) -> Iterator[str]:
    """CSV text in chunks (streamed, so a large register never sits in memory), starting
    with a byte-order mark so that spreadsheet programs read Cyrillic and Arabic right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(table.headers)
    for n, row in enumerate(table.rows, start=1):
        writer.writerow([_cell_text(v) for v in row])
        if n % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_csv(stream: IO[str], table: Table) -> None:
    for chunk in iter_csv(table):
        stream.write(chunk)


XLSX_MIN_WIDTH, XLSX_MAX_WIDTH = 10, 50


def _xml_text(value):
    """XML cannot hold most control characters: one stored before names were cleaned at
    input must not break the export of a whole scope."""
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub(" ", value)
    return value


def write_xlsx(target, table: Table, sheet_title: str) -> None:
    """An XLSX workbook written row by row (constant memory), to a path or a binary file:
    title lines, a bold frozen header row, column widths from the headers, real dates and numbers."""
    from openpyxl import Workbook  # loaded on first export, not in every web worker
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=sheet_title[:31])
    for index, header in enumerate(table.headers, start=1):
        width = min(XLSX_MAX_WIDTH, max(XLSX_MIN_WIDTH, len(header) + 4))
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = f"A{len(table.title) + 2}"
    for number, line in enumerate(table.title):
        cell = WriteOnlyCell(sheet, value=_xml_text(_cell_text(line)))
        cell.data_type = "s"
        if number == 0:
            cell.font = Font(bold=True, size=13)
        sheet.append([cell])
    header_cells = []
    for header in table.headers:
        cell = WriteOnlyCell(sheet, value=_xml_text(_cell_text(header)))
        cell.data_type = "s"
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in table.rows:
        cells = []
        for value in row:
            value = _xml_text(value)
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        sheet.append(cells)
    book.save(target)
