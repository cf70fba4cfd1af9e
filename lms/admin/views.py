"""Administration: countries, institutions, positions, accounts, password resets, roster import, audit log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from lms import access
from lms.admin import audit_log as audit_log_queries
from lms.admin.forms import (
    AuditFilterForm,
    CountryForm,
    InstitutionForm,
    PositionForm,
    RosterForm,
    ScopeGrantForm,
    UserForm,
)
from lms.auth import throttle
from lms.auth.passwords import give_one_time_password
from lms.core.forms import ConfirmForm
from lms.extensions import db
from lms.i18n import LOCALES, current_language
from lms.org import emails, personnel, roster, roster_files
from lms.org import people as people_list
from lms.org import positions as position_list
from lms.org.labels import GENDER_LABELS, KIND_LABELS, ROLE_LABELS, SERVICE_LABELS, choices
from lms.org.models import (
    AuditEvent,
    Country,
    Institution,
    Position,
    Role,
    ScopeGrant,
    User,
    audit,
)
from lms.reports import exports
from lms.timeutil import today

bp = Blueprint("admin", __name__, template_folder="templates")
PAGE_SIZE = 50

admin_only = access.roles(Role.ADMIN)


def _names_from(form, prefix: str) -> dict[str, str]:
    return {
        code: getattr(form, f"{prefix}_{code}").data.strip()
        for code in LOCALES
        if (getattr(form, f"{prefix}_{code}").data or "").strip()
    }


def _fill_names(form, prefix: str, names: dict[str, str]) -> None:
    for code in LOCALES:
        getattr(form, f"{prefix}_{code}").data = names.get(code, "")


@bp.get("/admin/")
@admin_only
def index() -> ResponseReturnValue:
    counts = {
        "countries": db.session.scalar(sa.select(sa.func.count(Country.id))),
        "institutions": db.session.scalar(sa.select(sa.func.count(Institution.id))),
        "users": db.session.scalar(sa.select(sa.func.count(User.id))),
    }
    return render_template("admin/index.html", counts=counts)


# Countries ---------------------------------------------------------------------------

@bp.get("/admin/countries")
@admin_only
def countries() -> ResponseReturnValue:
    rows = db.session.scalars(sa.select(Country).order_by(Country.code)).all()
    return render_template("admin/countries.html", countries=rows)


@bp.route("/admin/countries/new", methods=["GET", "POST"])
@bp.route("/admin/countries/<int:country_id>", methods=["GET", "POST"])
@admin_only
def country_edit(country_id: int | None = None) -> ResponseReturnValue:
    country = db.get_or_404(Country, country_id) if country_id else None
    form = CountryForm(obj=country)
    if request.method == "GET" and country:
        _fill_names(form, "name", country.names)
    if form.validate_on_submit():
        code = form.code.data.strip().upper()
        clash = db.session.scalar(sa.select(Country).where(Country.code == code))
        if clash and clash is not country:
            form.code.errors.append(_("A country with this code already exists."))
        else:
            if country is None:
                country = Country(code=code)
                db.session.add(country)
            country.code = code
            country.names = _names_from(form, "name")
            db.session.flush()
            audit(current_user, "country.saved", f"country:{country.id}", code=code)
            db.session.commit()
            flash(_("The country has been saved."), "success")
            return redirect(url_for("admin.countries"))
    return render_template("admin/country_form.html", form=form, country=country)


# Institutions ------------------------------------------------------------------------

def _country_choices() -> list[tuple[int, str]]:
    lang = current_language()
    return [
        (c.id, f"{c.code} — {c.name(lang)}")
        for c in db.session.scalars(sa.select(Country).order_by(Country.code))
    ]


def _institution_choices(blank: str | None = None) -> list[tuple[int, str]]:
    lang = current_language()
    rows = db.session.scalars(
        sa.select(Institution).options(joinedload(Institution.country)).order_by(Institution.id)
    )
    items = [(i.id, f"{i.country.code} — {i.name(lang)}") for i in rows]
    return ([(0, blank)] if blank else []) + items


@bp.get("/admin/institutions")
@admin_only
def institutions() -> ResponseReturnValue:
    rows = db.session.scalars(
        sa.select(Institution).options(joinedload(Institution.country)).order_by(Institution.id)
    ).all()
    return render_template("admin/institutions.html", institutions=rows, kinds=KIND_LABELS)


@bp.route("/admin/institutions/new", methods=["GET", "POST"])
@bp.route("/admin/institutions/<int:institution_id>", methods=["GET", "POST"])
@admin_only
def institution_edit(institution_id: int | None = None) -> ResponseReturnValue:
    inst = db.get_or_404(Institution, institution_id) if institution_id else None
    form = InstitutionForm(obj=inst)
    form.country_id.choices = _country_choices()
    form.kind.choices = choices(KIND_LABELS)
    if request.method == "GET" and inst:
        form.kind.data = inst.kind.value
        _fill_names(form, "name", inst.names)
        _fill_names(form, "signer_name", inst.signer_names)
        _fill_names(form, "signer_title", inst.signer_titles)
    if not form.country_id.choices:
        flash(_("Add a country first."), "error")
        return redirect(url_for("admin.country_edit"))
    if form.validate_on_submit():
        if inst is None:
            inst = Institution()
            db.session.add(inst)
        inst.country_id = form.country_id.data
        inst.kind = form.kind.data
        inst.names = _names_from(form, "name")
        inst.signer_names = _names_from(form, "signer_name")
        inst.signer_titles = _names_from(form, "signer_title")
        db.session.flush()
        audit(current_user, "institution.saved", f"institution:{inst.id}")
        db.session.commit()
        flash(_("The institution has been saved."), "success")
        return redirect(url_for("admin.institutions"))
    return render_template("admin/institution_form.html", form=form, institution=inst)


# Positions -----------------------------------------------------------------------------

@bp.get("/admin/positions")
@admin_only
def positions() -> ResponseReturnValue:
    rows = db.session.scalars(
        sa.select(Position).options(joinedload(Position.country)).order_by(Position.country_id, Position.key)
    ).all()
    return render_template("admin/positions.html", positions=rows)


@bp.route("/admin/positions/new", methods=["GET", "POST"])
@bp.route("/admin/positions/<int:position_id>", methods=["GET", "POST"])
@admin_only
def position_edit(position_id: int | None = None) -> ResponseReturnValue:
    """A position of a country's list, named in each language. Its key (what officers'
    records hold) is set once, from the first name given, and never changes."""
    position = db.get_or_404(Position, position_id) if position_id else None
    form = PositionForm(obj=position)
    form.country_id.choices = _country_choices()
    if not form.country_id.choices:
        flash(_("Add a country first."), "error")
        return redirect(url_for("admin.country_edit"))
    if request.method == "GET" and position:
        _fill_names(form, "name", position.names)
    if form.validate_on_submit():
        names = _names_from(form, "name")
        if not names:
            form.name_en.errors.append(_("Give the name in at least one language."))
        else:
            key = position.key if position else (names.get("en") or next(iter(names.values())))[:120]
            clash = db.session.scalar(sa.select(Position).where(
                Position.country_id == form.country_id.data, Position.key == key))
            if clash is not None and clash is not position:
                form.name_en.errors.append(_("This country's list already has this position."))
            else:
                if position is None:
                    position = Position(key=key)
                    db.session.add(position)
                position.country_id = form.country_id.data
                position.names = names
                db.session.flush()
                audit(current_user, "position.saved", f"position:{position.id}", key=key)
                db.session.commit()
                flash(_("The position has been saved."), "success")
                return redirect(url_for("admin.positions"))
    return render_template("admin/position_form.html", form=form, position=position)


# Accounts ----------------------------------------------------------------------------

def _user_form(user: User | None) -> UserForm:
    form = UserForm(obj=user)
    form.gender.choices = choices(GENDER_LABELS)
    form.service.choices = choices(SERVICE_LABELS)
    form.role.choices = choices(ROLE_LABELS)
    form.locale.choices = [("", _("Not chosen"))] + list(LOCALES.items())
    form.institution_id.choices = _institution_choices()
    form.scope_kind.choices = [
        ("", _("No scope set (trainers: their own institution, or their country at an academy)")),
        ("institution", _("One institution")),
        ("country", _("One country")),
    ]
    form.scope_institution_id.choices = _institution_choices(blank="—")
    form.scope_country_id.choices = [(0, "—")] + _country_choices()
    lang = current_language()
    form.position.choices = [(0, _("No position given"))] + [
        (pos.id, f"{pos.country.code} — {pos.name(lang)}")
        for pos in db.session.scalars(
            sa.select(Position).options(joinedload(Position.country)).order_by(Position.country_id, Position.key))
    ]
    if request.method == "GET" and user:
        form.gender.data = user.gender.value
        form.service.data = user.service.value
        form.role.data = user.role.value
        form.locale.data = user.locale or ""
        form.scope_kind.data = (
            "institution" if user.scope_institution_id else "country" if user.scope_country_id else ""
        )
        form.scope_institution_id.data = user.scope_institution_id or 0
        form.scope_country_id.data = user.scope_country_id or 0
        current = position_list.find(user.institution.country_id, user.position) if user.position else None
        form.position.data = current.id if current else 0
    return form


def _apply_scope(form: UserForm, user: User) -> bool:
    """Set a manager's or trainer's scope from the form; False (with a form error) when a
    manager's is incomplete. A trainer without one has the default of lms.org.scope.scope_of."""
    user.scope_institution_id = None
    user.scope_country_id = None
    if form.role.data not in (Role.MANAGER.value, Role.TRAINER.value):
        return True
    if form.scope_kind.data == "institution" and form.scope_institution_id.data:
        user.scope_institution_id = form.scope_institution_id.data
        return True
    if form.scope_kind.data == "country" and form.scope_country_id.data:
        user.scope_country_id = form.scope_country_id.data
        return True
    if form.role.data == Role.TRAINER.value and not form.scope_kind.data:
        return True
    form.scope_kind.errors.append(_("A manager needs a scope: choose one institution or one country."))
    return False


@bp.get("/admin/users")
@admin_only
def users() -> ResponseReturnValue:
    return render_template("admin/users.html", **people_list.page(current_user, request.args, PAGE_SIZE))


@bp.route("/admin/users/new", methods=["GET", "POST"])
@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@admin_only
def user_edit(user_id: int | None = None) -> ResponseReturnValue:
    user = db.get_or_404(User, user_id) if user_id else None
    form = _user_form(user)
    if not form.institution_id.choices:
        flash(_("Add an institution first."), "error")
        return redirect(url_for("admin.institution_edit"))
    new_password = None
    if form.validate_on_submit():
        number = personnel.clean(form.personnel_number.data)
        if problem := personnel.problem(number, user):
            form.personnel_number.errors.append(problem)
        elif user is not None and user.id == current_user.id and form.role.data != Role.ADMIN.value:
            form.role.errors.append(_("You cannot remove your own administrator role."))
        elif form.position.data and (
            (chosen := db.session.get(Position, form.position.data)) is None
            or chosen.country_id != position_list.country_of_institution(form.institution_id.data)
        ):
            form.position.errors.append(_("Choose a position from the list of the institution's country."))
        else:
            creating = user is None
            target = user or User()
            with db.session.no_autoflush:
                target.personnel_number = number
                target.name_native = form.name_native.data.strip()
                target.name_latin = form.name_latin.data.strip()
                target.gender = form.gender.data
                target.service = form.service.data
                chosen = db.session.get(Position, form.position.data) if form.position.data else None
                target.position = chosen.key if chosen else ""
                target.institution_id = form.institution_id.data
                target.email = emails.clean(form.email.data)
                target.role = form.role.data
                target.locale = form.locale.data or None
                target.is_active_account = form.is_active_account.data
                scope_ok = _apply_scope(form, target)
            if scope_ok:
                if creating:
                    new_password = give_one_time_password(target)
                    db.session.add(target)
                db.session.flush()
                audit(current_user, "user.created" if creating else "user.saved", f"user:{target.id}")
                db.session.commit()
                if creating:
                    return render_template(
                        "admin/one_time_password.html", user=target, password=new_password
                    )
                flash(_("The account has been saved."), "success")
                return redirect(url_for("admin.users"))
            db.session.rollback()
    return _user_page(form, user)


def _user_page(form: UserForm, user: User | None, grant_form: ScopeGrantForm | None = None) -> ResponseReturnValue:
    grants = []
    if user is not None and user.role == Role.TRAINER:
        grants = list(db.session.scalars(sa.select(ScopeGrant).where(ScopeGrant.user_id == user.id)
                                         .order_by(ScopeGrant.starts_on.desc(), ScopeGrant.id.desc())))
        if grant_form is None:
            grant_form = ScopeGrantForm(formdata=None, starts_on=today(), ends_on=today() + timedelta(days=7))
        grant_form.place.choices = _place_choices()
    return render_template("admin/user_form.html", form=form, user=user, confirm=ConfirmForm(),
                           grants=grants, grant_form=grant_form, today=today())


def _place_choices() -> list[tuple[str, str]]:
    return ([("", "—")] + [(f"country:{cid}", label) for cid, label in _country_choices()]
            + [(f"institution:{iid}", label) for iid, label in _institution_choices()])


@bp.post("/admin/users/<int:user_id>/scope-grants")
@admin_only
def scope_grant_add(user_id: int) -> ResponseReturnValue:
    """Grant a trainer an extra country or institution for a period (a regional event)."""
    user = db.get_or_404(User, user_id)
    if user.role != Role.TRAINER:
        abort(404)
    grant_form = ScopeGrantForm()
    grant_form.place.choices = _place_choices()
    if not grant_form.validate_on_submit():
        return _user_page(_user_form(user), user, grant_form)
    kind, _sep, place_id = grant_form.place.data.partition(":")
    grant = ScopeGrant(
        user_id=user.id, starts_on=grant_form.starts_on.data, ends_on=grant_form.ends_on.data,
        country_id=int(place_id) if kind == "country" else None,
        institution_id=int(place_id) if kind == "institution" else None,
        reason=(grant_form.reason.data or "").strip(), granted_by_id=current_user.id,
    )
    db.session.add(grant)
    db.session.flush()
    # The place as the admin chose it ("KG — Kyrgyzstan"), readable in the log in any language.
    place_label = dict(grant_form.place.choices).get(grant_form.place.data, grant_form.place.data)
    audit(current_user, "scope.granted", f"user:{user.id}", place=place_label,
          starts_on=grant.starts_on.isoformat(), ends_on=grant.ends_on.isoformat(), reason=grant.reason)
    db.session.commit()
    flash(_("The extra scope has been granted."), "success")
    return redirect(url_for("admin.user_edit", user_id=user.id) + "#grants-h")


@bp.post("/admin/users/<int:user_id>/scope-grants/<int:grant_id>/end")
@admin_only
def scope_grant_end(user_id: int, grant_id: int) -> ResponseReturnValue:
    """End an extra scope now: from today on, the trainer no longer reaches it."""
    grant = db.get_or_404(ScopeGrant, grant_id)
    if grant.user_id != user_id or not ConfirmForm().validate_on_submit():
        abort(404)
    yesterday = today() - timedelta(days=1)
    if grant.ends_on > yesterday:
        grant.ends_on = yesterday
        audit(current_user, "scope.grant_ended", f"user:{user_id}", grant=grant.id,
              ends_on=grant.ends_on.isoformat())
        db.session.commit()
        flash(_("The extra scope has ended."), "success")
    return redirect(url_for("admin.user_edit", user_id=user_id) + "#grants-h")


@bp.route("/admin/users/<int:user_id>/reset-password", methods=["GET", "POST"])
@admin_only
def reset_password(user_id: int) -> ResponseReturnValue:
    """GET asks for confirmation; POST gives a new one-time password on a printable slip."""
    user = db.get_or_404(User, user_id)
    form = ConfirmForm()
    if request.method == "GET":
        return render_template("admin/reset_confirm.html", user=user, form=form)
    if not form.validate_on_submit():
        abort(400)
    password = give_one_time_password(user)
    throttle.forget(throttle.Policy.from_config(current_app.config), user.personnel_number)
    audit(current_user, "user.password_reset", f"user:{user.id}")
    db.session.commit()
    return render_template("admin/one_time_password.html", user=user, password=password, reset=True)


def _audit_filter() -> tuple[AuditFilterForm, audit_log_queries.AuditFilter]:
    form = AuditFilterForm(request.args)
    form.action.choices = [("", _("Any action"))] + [
        (a, audit_log_queries.action_label(a)) for a in audit_log_queries.known_actions()
    ]
    form.validate()
    if form.action.errors:
        form.action.data = ""
    for field in (form.start, form.end):
        if field.errors:  # not a date, or not one of this era (lms.bounds.sensible_date)
            field.data = None
    flt = audit_log_queries.AuditFilter(
        start=form.start.data, end=form.end.data, actor=(form.actor.data or "").strip(),
        action=form.action.data or "",
    )
    return form, flt


@bp.get("/admin/audit")
@admin_only
def audit_log() -> ResponseReturnValue:
    page = max(1, request.args.get("page", 1, type=int))
    form, flt = _audit_filter()
    events, has_next = audit_log_queries.events(flt, page, PAGE_SIZE)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "admin/audit.html", events=events, page=page, has_next=has_next, form=form, args=args,
        total=audit_log_queries.count(flt), targets=audit_log_queries.targets(events, current_language()),
        action_label=audit_log_queries.action_label, details=audit_log_queries.detail_items,
    )


@bp.get("/admin/audit/export.csv")
@admin_only
def audit_export() -> ResponseReturnValue:
    _form, flt = _audit_filter()
    lang = current_language()
    headers = [_("When (UTC)"), _("Who: personnel number"), _("Who: name"), _("Action"), _("Action code"),
               _("Record"), _("Record name"), _("Details")]

    def rows() -> Iterator[list]:
        batch: list[AuditEvent] = []
        for event in audit_log_queries.all_events(flt):
            batch.append(event)
            if len(batch) == 500:
                yield from _audit_rows(batch, lang)
                batch = []
        yield from _audit_rows(batch, lang)

    table = exports.Table([str(h) for h in headers], rows())
    audit(current_user, "report.exported", "audit", format="csv")
    db.session.commit()
    return Response(stream_with_context(exports.iter_csv(table)), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=audit-log.csv"})


def _audit_rows(batch: list[AuditEvent], lang: str):
    names = audit_log_queries.targets(batch, lang)
    for e in batch:
        yield [
            e.at.strftime("%Y-%m-%d %H:%M:%S"),
            e.actor.personnel_number if e.actor else "",
            e.actor.name_native if e.actor else "",
            audit_log_queries.action_label(e.action),
            e.action,
            e.target,
            names[e.target].label,
            "; ".join(f"{k}: {v}" for k, v in audit_log_queries.detail_items(e)),
        ]


# Roster import -------------------------------------------------------------------------

@bp.route("/admin/roster", methods=["GET", "POST"])
@admin_only
def roster_import() -> ResponseReturnValue:
    form = RosterForm()
    errors: list[roster.RowError] = []
    if form.validate_on_submit():
        rows, errors = roster.parse(form.file.data.read())
        if not errors:
            created = roster.create_accounts(rows)
            audit(current_user, "roster.imported", "users", count=len(created))
            ids = [user.id for user, _password in created]
            db.session.commit()
            # The commit expired the new accounts: read them back in one query for the
            # slips, not one query each (5,000 of them in a large roster).
            db.session.scalars(sa.select(User).where(User.id.in_(ids))).all()
            return render_template("admin/roster_done.html", created=created)
        db.session.rollback()
        flash(_("Nothing was imported. Correct the file and send it again."), "error")
    return render_template("admin/roster.html", form=form, errors=errors, columns=[(c, roster_files.COLUMN_LABELS[c]) for c in roster.COLUMNS])


def _roster_notes() -> list[str]:
    return [
        _("One officer per row. The whole file is checked first: if any row has a problem, nothing is imported."),
        _("gender: female or male; service: prison or probation; institution_id: the number shown in the list of institutions; role: officer (default) or trainer; language: en, ru, kk, tg or ar."),
        _("Keep the first row as it is. Columns may be in any order; position, role and language may be left empty."),
    ]


@bp.get("/admin/roster/template.<fmt>")
@admin_only
def roster_template(fmt: str) -> ResponseReturnValue:
    if fmt == "csv":
        body = roster_files.template_csv(roster.COLUMNS).encode("utf-8")
        mimetype = "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body = roster_files.template_xlsx(roster.COLUMNS, _roster_notes())
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        abort(404)
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename=roster-template.{fmt}"})
