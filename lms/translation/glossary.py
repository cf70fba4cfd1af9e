"""The glossary: translations/glossary.csv (the shipped seed) and the terms added in the browser."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import sqlalchemy as sa

from lms.extensions import db
from lms.translation.models import GlossaryTerm

SEED = Path(__file__).resolve().parents[2] / "translations" / "glossary.csv"
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


@dataclass(frozen=True)
class Term:
    key: str
    texts: dict
    note: str
    added: bool  # added in the browser (not from the seed file)


@cache
def _seed(path: Path = SEED) -> tuple[Term, ...]:
    if not path.exists():
        return ()
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return tuple(
        Term(row["key"], {k: v for k, v in row.items() if k not in ("key", "note") and v}, row.get("note") or "", False)
        for row in rows if row.get("key")
    )


def terms() -> list[Term]:
    """Every term: the seed's, then those added (an added term with a seed key replaces it)."""
    added = {t.key: Term(t.key, dict(t.texts), t.note, True)
             for t in db.session.scalars(sa.select(GlossaryTerm).order_by(GlossaryTerm.key))}
    return [added.pop(t.key, t) for t in _seed()] + sorted(added.values(), key=lambda t: t.key)


@cache
def _patterns(text: str) -> tuple[tuple[str, re.Pattern], ...]:
    """The term's forms as patterns: a word start, the form, up to three letters of ending
    (with the form itself, to skip the pattern when the form is not in the text at all)."""
    return tuple((form.lower(), re.compile(r"(?<!\w)" + re.escape(form.lower()) + r"\w{0,3}(?!\w)"))
                 for form in _forms(text))


def _forms(text: str) -> list[str]:
    """The ways a term appears in running text: whole, without its parenthesis, the parenthesis."""
    forms = [text]
    inner = re.findall(r"\(([^)]+)\)", text)
    bare = re.sub(r"\s*\([^)]*\)", "", text).strip()
    if bare and bare != text:
        forms.append(bare)
    for part in inner:
        part = re.sub(r"^(the|a)\s+", "", part.strip(), flags=re.IGNORECASE)
        if len(part) > 3:
            forms.append(part)
    return forms


def found_in(source: str, source_lang: str, all_terms: list[Term] | None = None) -> list[Term]:
    """The terms whose source-language text appears in a source segment."""
    lowered = source.lower()
    found = []
    for term in all_terms if all_terms is not None else terms():
        text = term.texts.get(source_lang)
        if not text:
            continue
        if any(form in lowered and pattern.search(lowered) for form, pattern in _patterns(text)):
            found.append(term)
    return found


def add_term(user, key: str, texts: dict[str, str], note: str) -> GlossaryTerm:
    from lms.org.models import audit
    from lms.translation.records import TranslationError

    key = (key or "").strip()
    if not KEY_RE.match(key):
        raise TranslationError("bad-key")
    texts = {k: v.strip() for k, v in texts.items() if v and v.strip()}
    if len(texts) < 2:
        raise TranslationError("term-too-few")
    if key in {t.key for t in _seed()} or db.session.scalar(
            sa.select(GlossaryTerm).where(GlossaryTerm.key == key)) is not None:
        raise TranslationError("term-taken")
    row = GlossaryTerm(key=key, texts=texts, note=(note or "").strip(), added_by_id=user.id)
    db.session.add(row)
    db.session.flush()
    audit(user, "translation.term_added", f"glossary:{key}")
    return row
