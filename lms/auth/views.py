"""Sign in, sign out, change password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user
from werkzeug.security import check_password_hash

from lms import access
from lms.auth.forms import ChangePasswordForm, LoginForm
from lms.auth.passwords import SignIn, authenticate, hash_password, password_problems
from lms.extensions import db, limiter
from lms.org.models import audit
from lms.timeutil import utcnow

bp = Blueprint("auth", __name__, template_folder="templates")


def _safe_next(target: str | None) -> str | None:
    """Only follow redirects within this site."""
    if not target:
        return None
    # Browsers read a backslash as a slash and drop tabs and newlines: "/\\evil.example"
    # and "/\t/evil.example" lead to another host.
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@access.public
@limiter.limit("20 per minute", methods=["POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if form.validate_on_submit():
        cfg = current_app.config
        outcome, user = authenticate(
            form.personnel_number.data.strip(),
            form.password.data,
            cfg["LMS_MAX_FAILED_LOGINS"],
            cfg["LMS_LOCKOUT_MINUTES"],
        )
        if outcome is SignIn.OK:
            chosen = session.get("locale")
            if chosen and not user.locale:
                user.locale = chosen
            db.session.commit()
            session.clear()  # a fresh session on sign-in
            login_user(user)
            if user.must_change_password:
                flash(_("Please choose your own password before you continue."), "info")
                return redirect(url_for("auth.change_password"))
            return redirect(_safe_next(request.args.get("next")) or url_for("core.home"))
        db.session.commit()  # keep the failure count
        if outcome is SignIn.LOCKED:
            remaining = max(1, int((user.locked_until - utcnow()).total_seconds() // 60) + 1)
            flash(
                ngettext(
                    "Too many failed sign-in attempts. Try again in %(num)d minute.",
                    "Too many failed sign-in attempts. Try again in %(num)d minutes.",
                    remaining,
                ),
                "error",
            )
        elif outcome is SignIn.INACTIVE:
            flash(_("This account is disabled. Ask your administrator."), "error")
        else:
            flash(_("The personnel number or password is incorrect."), "error")
        return render_template("auth/login.html", form=form), 200
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@access.signed_in
def logout() -> ResponseReturnValue:
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@access.signed_in
def change_password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not check_password_hash(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("The current password is incorrect."))
        elif form.new_password.data == form.current_password.data:
            form.new_password.errors.append(_("Choose a password different from the current one."))
        else:
            problems = password_problems(form.new_password.data, current_user.personnel_number)
            if problems:
                form.new_password.errors.extend(problems)
            else:
                current_user.password_hash = hash_password(form.new_password.data)
                current_user.must_change_password = False
                current_user.end_other_sessions()
                audit(current_user, "password.changed", f"user:{current_user.id}")
                db.session.commit()
                login_user(current_user._get_current_object())  # this session goes on
                flash(_("Your password has been changed."), "success")
                return redirect(url_for("core.home"))
    return render_template("auth/change_password.html", form=form)
