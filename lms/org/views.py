"""People and cohorts: the accounts in a manager's or trainer's scope, and a trainer's cohorts."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from lms import access
from lms.core.forms import ConfirmForm
from lms.extensions import db
from lms.i18n import current_language
from lms.org import people as people_list
from lms.org.forms import CohortForm
from lms.org.labels import GENDER_LABELS, ROLE_LABELS, SERVICE_LABELS
from lms.org.models import Cohort, Institution, Role, User, audit
from lms.org.scope import (
    can_manage_cohort,
    can_see_user,
    cohort_scope_clause,
    institution_scope_clause,
    person_matches,
    user_scope_clause,
)

bp = Blueprint("org", __name__, template_folder="templates")
PAGE_SIZE = 50


@bp.get("/people")
@access.roles(Role.MANAGER, Role.TRAINER, Role.ADMIN)
def people() -> ResponseReturnValue:
    return render_template("org/people.html", **people_list.page(current_user, request.args, PAGE_SIZE))


@bp.get("/people/<int:user_id>")
@access.roles(Role.MANAGER, Role.TRAINER, Role.ADMIN)
def person(user_id: int) -> ResponseReturnValue:
    user = db.get_or_404(User, user_id)
    if not can_see_user(current_user, user):
        abort(404)  # do not reveal that the account exists
    return render_template(
        "org/person.html", person=user, roles=ROLE_LABELS, genders=GENDER_LABELS,
        services=SERVICE_LABELS,
    )


def _cohort_or_404(cohort_id: int) -> Cohort:
    cohort = db.session.scalar(sa.select(Cohort).where(Cohort.id == cohort_id, cohort_scope_clause(current_user)))
    if cohort is None:
        abort(404)
    return cohort


@bp.get("/cohorts")
@access.roles(Role.TRAINER, Role.ADMIN)
def cohorts() -> ResponseReturnValue:
    stmt = (sa.select(Cohort).where(cohort_scope_clause(current_user))
            .options(joinedload(Cohort.institution), joinedload(Cohort.trainer)).order_by(Cohort.name))
    return render_template("org/cohorts.html", cohorts=db.session.scalars(stmt).all())


@bp.route("/cohorts/new", methods=["GET", "POST"])
@access.roles(Role.TRAINER, Role.ADMIN)
def cohort_new() -> ResponseReturnValue:
    form = CohortForm()
    lang = current_language()
    form.institution_id.choices = [
        (i.id, str(i.name(lang)))
        for i in db.session.scalars(sa.select(Institution).where(institution_scope_clause(current_user)))
    ]
    if form.validate_on_submit():
        cohort = Cohort(name=form.name.data.strip(), institution_id=form.institution_id.data,
                        trainer_id=current_user.id)
        db.session.add(cohort)
        db.session.flush()
        audit(current_user, "cohort.created", f"cohort:{cohort.id}")
        db.session.commit()
        flash(_("The cohort has been created. Now add its officers."), "success")
        return redirect(url_for("org.cohort", cohort_id=cohort.id))
    return render_template("org/cohort_new.html", form=form)


@bp.route("/cohorts/<int:cohort_id>", methods=["GET", "POST"])
@access.roles(Role.TRAINER, Role.ADMIN)
def cohort(cohort_id: int) -> ResponseReturnValue:
    cohort = _cohort_or_404(cohort_id)
    may_manage = can_manage_cohort(current_user, cohort)
    if request.method == "POST" and not may_manage:
        abort(403)
    form = ConfirmForm()
    q = (request.args.get("q") or "").strip()
    candidates: Sequence[User] = []
    if q and may_manage:
        candidates = db.session.scalars(
            sa.select(User).where(
                user_scope_clause(current_user), User.role == Role.OFFICER, person_matches(q),
            ).order_by(User.name_latin).limit(50)
        ).all()
    if form.validate_on_submit():
        add = request.form.getlist("add", type=int)
        remove = set(request.form.getlist("remove", type=int))
        if add:
            allowed = db.session.scalars(
                sa.select(User).where(User.id.in_(add), user_scope_clause(current_user), User.role == Role.OFFICER)
            ).all()
            for user in allowed:
                if user not in cohort.members:
                    cohort.members.append(user)
        if remove:
            cohort.members = [m for m in cohort.members if m.id not in remove]
        audit(current_user, "cohort.members_changed", f"cohort:{cohort.id}")
        db.session.commit()
        flash(_("The cohort has been saved."), "success")
        return redirect(url_for("org.cohort", cohort_id=cohort.id))
    return render_template("org/cohort.html", cohort=cohort, confirm=form, q=q, candidates=candidates,
                           may_manage=may_manage)
