"""My learning, and assigning courses to officers."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup

from lms import access
from lms.catalog import cache
from lms.catalog.queries import Translator, current_version
from lms.core.views import add_home_links
from lms.extensions import db
from lms.i18n import Localized, current_language, person_label
from lms.learning import assignments, progress
from lms.learning.forms import AssignForm, AssignmentsForm
from lms.org.models import Cohort, Role, User, audit
from lms.org.scope import cohort_scope_clause, person_matches, user_scope_clause
from lms.timeutil import today

bp = Blueprint("learning", __name__, template_folder="templates")
ASSIGN_LIST_LIMIT = 300


def _home_links(user) -> list[dict]:
    links = [{"url": url_for("learning.mine"), "label": _("My learning")},
             {"url": url_for("catalog.courses"), "label": _("Courses")}]
    return links


add_home_links(_home_links)


@bp.get("/learning")
@access.signed_in
def mine() -> ResponseReturnValue:
    mine = progress.my_learning(current_user.id, today())
    return render_template("learning/mine.html", body=_my_learning_body(mine, current_language()))


def _my_learning_body(mine: progress.MyLearning, lang: str) -> Markup:
    """My learning's content, rendered once per process for each set of facts it shows.

    The key holds every value the content shows (learning/_mine_body.html), read fresh on every
    request: progress, a due date, a new version or another language is another key, shown at once.
    Nothing in it names the officer, so officers in the same state share it."""
    key = (lang, request.script_root,
           tuple((i.version.id, i.version.content_hash, i.completed_modules, i.total_modules, i.resume_module_id,
                  i.is_overdue, i.completed_at, i.due_on) for i in mine.items),
           tuple((n.kind, n.course_id, n.due_on, n.assigned_by) for n in mine.notices))
    body = cache.MY_LEARNING.get(key)
    if body is None:
        body = Markup(render_template(  # noqa: S704 (our template)
            "learning/_mine_body.html", items=[(i, Translator(i.version, lang)) for i in mine.items],
            notices=mine.notices, titles=_titles(mine.items, lang)))
        cache.MY_LEARNING.put(key, body)
    return body


def _titles(items: list[progress.LearningItem], lang: str) -> dict[str, Localized]:
    return {i.version.course_id: Translator(i.version, lang)(i.version.content["title"]) for i in items}


@bp.get("/learning/notifications")
@access.signed_in
def notifications() -> ResponseReturnValue:
    """New assignments, due-soon and overdue courses: shown here, no e-mail needed."""
    mine = progress.my_learning(current_user.id, today())
    return render_template("learning/notifications.html", titles=_titles(mine.items, current_language()),
                           notices=mine.notices)


@bp.route("/courses/<course_id>/assignments", methods=["GET", "POST"])
@access.roles(Role.TRAINER, Role.ADMIN)
def assignments_page(course_id: str) -> ResponseReturnValue:
    """Who is assigned this course and by whom; extend due dates or unassign (audited)."""
    version = current_version(course_id)
    rows = assignments.assigned(current_user, course_id)
    form = AssignmentsForm()
    form.chosen.choices = [(r.enrolment.id, r.officer.name_native) for r in rows]
    if form.validate_on_submit():
        chosen = list(form.chosen.data or [])
        action = request.form.get("action")
        if not chosen:
            form.chosen.errors = [_("Choose at least one officer.")]
        elif action == "due" and not form.due_on.data:
            form.due_on.errors = [_("Choose the new due date.")]
        elif action == "due" and form.due_on.data < today():
            form.due_on.errors = [_("The due date cannot be in the past.")]
        elif action == "due":
            n = assignments.set_due_date(current_user, course_id, chosen, form.due_on.data)
            db.session.commit()
            flash(ngettext("The due date was changed for %(num)d officer.",
                           "The due date was changed for %(num)d officers.", n), "success")
            return redirect(url_for("learning.assignments_page", course_id=course_id))
        elif action == "unassign":
            n = assignments.unassign(current_user, course_id, chosen)
            db.session.commit()
            flash(ngettext("%(num)d officer was unassigned; records of training already made are kept.",
                           "%(num)d officers were unassigned; records of training already made are kept.", n),
                  "success")
            return redirect(url_for("learning.assignments_page", course_id=course_id))
        else:
            abort(400)
    return render_template("learning/assignments.html", version=version, rows=rows, form=form,
                           tr=Translator(version, current_language()), today=today())


@bp.route("/courses/<course_id>/assign", methods=["GET", "POST"])
@access.roles(Role.TRAINER, Role.ADMIN)
def assign(course_id: str) -> ResponseReturnValue:
    version = current_version(course_id)
    form = AssignForm()
    q = (request.args.get("q") or "").strip()
    stmt = sa.select(User).where(user_scope_clause(current_user), User.role == Role.OFFICER,
                                 User.is_active_account.is_(True))
    if q:
        stmt = stmt.where(person_matches(q))
    officers = db.session.scalars(stmt.order_by(User.name_latin).limit(ASSIGN_LIST_LIMIT)).all()
    form.officers.choices = [(u.id, person_label(u)) for u in officers]
    cohorts = db.session.scalars(sa.select(Cohort).where(cohort_scope_clause(current_user))
                                 .order_by(Cohort.name)).all()
    form.cohort_id.choices = [(0, "—")] + [(c.id, c.name) for c in cohorts]
    if form.validate_on_submit():
        chosen_ids = set(form.officers.data or [])
        if form.cohort_id.data:
            cohort = next((c for c in cohorts if c.id == form.cohort_id.data), None)
            if cohort:
                chosen_ids |= {m.id for m in cohort.members if m.role == Role.OFFICER}
        # Only officers within the assigner's scope, whatever the form claims.
        targets = db.session.scalars(
            sa.select(User).where(User.id.in_(chosen_ids), user_scope_clause(current_user))
        ).all() if chosen_ids else []
        if not targets:
            form.officers.errors = [_("Choose at least one officer or a cohort.")]
        elif form.due_on.data and form.due_on.data < today():
            form.due_on.errors = [_("The due date cannot be in the past.")]
        else:
            for user in targets:
                progress.enrol(user, course_id, assigned_by=current_user, due_on=form.due_on.data)
            audit(current_user, "course.assigned", f"course:{course_id}", count=len(targets))
            db.session.commit()
            flash(ngettext("The course was assigned to %(num)d officer.",
                           "The course was assigned to %(num)d officers.", len(targets)), "success")
            return redirect(url_for("learning.assignments_page", course_id=course_id))
    return render_template("learning/assign.html", form=form, version=version,
                           tr=Translator(version, current_language()), q=q,
                           truncated=len(officers) >= ASSIGN_LIST_LIMIT)
