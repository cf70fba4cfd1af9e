"""A list of accounts in the viewer's scope, searched and filtered: the people page of managers
and trainers, and the accounts page of admins, which show it with different links."""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from lms.extensions import db
from lms.i18n import current_language
from lms.org.forms import PeopleFilterForm
from lms.org.labels import GENDER_LABELS, ROLE_LABELS, choices
from lms.org.models import Institution, Role, User
from lms.org.scope import institution_scope_clause, person_matches, user_scope_clause


def page(viewer: User, args: Mapping[str, str], size: int) -> dict:
    """What the page shows for these query arguments (q, institution, role, active, page):
    one page of accounts, whether there is a next one, the total and the filter form."""
    number = max(1, _int(args.get("page")) or 1)
    q = (args.get("q") or "").strip()
    lang = current_language()
    institutions = db.session.scalars(
        sa.select(Institution).where(institution_scope_clause(viewer)).order_by(Institution.id)
    ).all()
    form = PeopleFilterForm(args)
    form.institution.choices = [(0, _("Any institution"))] + [(i.id, str(i.name(lang))) for i in institutions]
    form.role.choices = [("", _("Any role"))] + choices(ROLE_LABELS)
    form.active.choices = [("", _("Active and disabled")), ("yes", _("Active only")), ("no", _("Disabled only"))]
    form.validate()
    for f in (form.institution, form.role, form.active):
        if f.errors:
            f.data = f.default
    where = [user_scope_clause(viewer)]
    if q:
        where.append(person_matches(q))
    if form.institution.data:
        where.append(User.institution_id == form.institution.data)
    if form.role.data:
        where.append(User.role == Role(form.role.data))
    if form.active.data:
        where.append(User.is_active_account.is_(form.active.data == "yes"))
    total = db.session.scalar(sa.select(sa.func.count(User.id)).where(*where))
    rows = db.session.scalars(
        sa.select(User).where(*where)
        .options(joinedload(User.institution))
        .order_by(User.name_latin, User.id)
        .limit(size + 1)
        .offset((number - 1) * size)
    ).all()
    return {
        "people": rows[:size],
        "page": number,
        "has_next": len(rows) > size,
        "q": q,
        "roles": ROLE_LABELS,
        "genders": GENDER_LABELS,
        "filters": form,
        "total": total,
        "args": {k: v for k, v in args.items() if k != "page" and v and v != "0"},
    }


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
