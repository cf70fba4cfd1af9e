"""Positions: each country's list, how a written position is found in it, and its names."""

from __future__ import annotations

import sqlalchemy as sa

from lms.extensions import db
from lms.org.models import Institution, Position
from lms.org.search import fold


def of_country(country_id: int) -> list[Position]:
    return list(db.session.scalars(
        sa.select(Position).where(Position.country_id == country_id).order_by(Position.key)))


def find(country_id: int, written: str, lists: dict[int, list[Position]] | None = None) -> Position | None:
    """The position of a country's list written as its key or as its name in any language,
    whatever the letter case or script variant."""
    wanted = fold(written)
    if not wanted:
        return None
    entries = lists[country_id] if lists is not None and country_id in lists else of_country(country_id)
    for position in entries:
        if wanted == fold(position.key) or any(wanted == fold(n) for n in position.names.values() if n):
            return position
    return None


def all_by_country() -> dict[int, list[Position]]:
    lists: dict[int, list[Position]] = {}
    for position in db.session.scalars(sa.select(Position).order_by(Position.key)):
        lists.setdefault(position.country_id, []).append(position)
    return lists


def names(keys, lang: str) -> dict[str, str]:
    """The name in lang of each position key (the first country's entry when several share it)."""
    keys = {k for k in keys if k}
    if not keys:
        return {}
    out: dict[str, str] = {}
    for position in db.session.scalars(sa.select(Position).where(Position.key.in_(keys)).order_by(Position.id)):
        out.setdefault(position.key, position.name(lang).text or position.key)
    return out


def country_of_institution(institution_id: int) -> int | None:
    return db.session.scalar(sa.select(Institution.country_id).where(Institution.id == institution_id))
