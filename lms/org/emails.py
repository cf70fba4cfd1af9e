"""The one rule for an e-mail address typed by a person or an admin."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

# Something@somewhere.tld, without spaces, at most 254 characters: enough to catch a typo;
# the SMTP server decides the rest.
_ADDRESS = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]+")


def clean(text: str | None) -> str | None:
    """The address as stored (trimmed), or None when left empty."""
    text = (text or "").strip()
    return text or None


def check(_form, field) -> None:
    """A WTForms validator: an empty field is fine (the address is optional)."""
    value = clean(field.data)
    if value is not None and (len(value) > 254 or not _ADDRESS.fullmatch(value)):
        raise ValidationError(_l("Enter an e-mail address such as name@example.org, or leave the field empty."))
