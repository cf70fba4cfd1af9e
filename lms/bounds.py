"""Bounds on what a request may carry: numbers a database column can hold, dates of this
era, and text without invisible or control characters. One place, used by every form and
by a hook for query-string numbers."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import overload

from flask import abort, request
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

# Every id column is at least a 32-bit integer on both databases.
MAX_ID = 2**31 - 1
# Query-string and form fields that carry numbers (ids, page numbers, revisions, positions
# in a list, a role-play's step, the number of rows a form sends).
NUMBER_PARAMS = ("page", "institution", "officer", "cohort", "user", "step",
                 "add", "remove", "base", "revision", "index", "rows")
# Dates anyone types into this platform: training records, due dates, report periods.
FIRST_DATE = date(2000, 1, 1)
LAST_DATE = date(2100, 12, 31)

_ASCII_INT = re.compile(r"-?[0-9]{1,10}")
# Invisible characters that change how a name reads without showing themselves: zero-width
# characters, direction marks and right-to-left overrides, embeddings and isolates. (The
# zero-width non-joiner stays: Persian-script writing needs it.)
_INVISIBLE = re.compile("[\u200b\u200d\u2060\ufeff\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def whole_number(text: str) -> int | None:
    """The integer written in ASCII digits (an optional minus sign) that an id column can
    hold, or None: "¹".isdigit() is True, and int() reads Arabic-Indic digits too."""
    text = text.strip()
    if not _ASCII_INT.fullmatch(text) or abs(int(text)) > MAX_ID:
        return None
    return int(text)


def reject_out_of_range_numbers() -> None:
    """before_request hook: a number no id or page can be gets 400 (404 in the path), instead
    of an overflow deep in the database driver. Query string and posted form alike."""
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not 0 <= value <= MAX_ID:
            abort(404)
    for values in (request.args, request.form) if request.method == "POST" else (request.args,):
        for name in NUMBER_PARAMS:
            for value in values.getlist(name):
                # A value without digits ("abc", "") means "no filter" to the views; any digit
                # makes it a number, which must be a plain one in range.
                if any(c.isdigit() for c in value) and whole_number(value) is None:
                    abort(400)


def sensible_date(form, field) -> None:
    """WTForms validator: a date of this era (far dates overflow date arithmetic)."""
    if field.data is not None and not FIRST_DATE <= field.data <= LAST_DATE:
        raise ValidationError(
            _l("Choose a date between %(start)s and %(end)s.", start=FIRST_DATE.isoformat(),
               end=LAST_DATE.isoformat())
        )


@overload
def clean_line(value: str) -> str: ...


@overload
def clean_line(value: None) -> None: ...


def clean_line(value: str | None) -> str | None:
    """One line of text as kept: control characters become spaces, invisible direction and
    zero-width characters go, spaces are collapsed (a WTForms filter, used by imports too)."""
    if value is None:
        return None
    value = unicodedata.normalize("NFC", value)
    value = _INVISIBLE.sub("", value)
    value = "".join(" " if unicodedata.category(c) == "Cc" else c for c in value)
    return " ".join(value.split())
