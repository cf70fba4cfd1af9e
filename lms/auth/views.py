"""Sign in, sign out, change password."""

from __future__ import annotations

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

from lms import access
from lms.auth import throttle
from lms.auth.forms import ChangePasswordForm, EmailForm, LoginForm
from lms.auth.passwords import (
    authenticate,
    check_current_password,
    password_problems,
    set_password,
)
from lms.extensions import db, limiter
from lms.org import emails, personnel
from lms.org.models import audit
from lms.safe_url import local_url
from lms.timeutil import utcnow

bp = Blueprint("auth", __name__, template_folder="templates")


def _policy() -> throttle.Policy:
    return throttle.Policy.from_config(current_app.config)


def _wait_message(seconds: int) -> str:
    if seconds < 120:
        return ngettext(
            "Too many failed attempts. Wait %(num)d second and try again.",
            "Too many failed attempts. Wait %(num)d seconds and try again.",
            seconds,
        )
    minutes = -(-seconds // 60)
    return ngettext(
        "Too many failed attempts. Wait %(num)d minute and try again.",
        "Too many failed attempts. Wait %(num)d minutes and try again.",
        minutes,
    )


def _record_failure(attempt: throttle.Attempt, number: str) -> None:
    """Alert administrators (audit log) when failures pile up on an account or an address."""
    for kind, count in throttle.alerts(_policy(), attempt):
        if kind == throttle.ACCOUNT:
            user = personnel.find(number)
            # The typed number stays out of the log: it may be a password typed in the wrong box.
            audit(None, "signin.repeated_failures", f"user:{user.id}" if user else "user:unknown",
                  failures=count)
        else:
            audit(None, "signin.repeated_failures_from_address", f"address:{attempt.address}",
                  failures=count)


@bp.route("/login", methods=["GET", "POST"])
@access.public
@limiter.limit("20 per minute", methods=["POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if form.validate_on_submit():
        number = personnel.clean(form.personnel_number.data)
        attempt = throttle.begin(_policy(), number, request.remote_addr or "")
        if attempt.wait:
            db.session.rollback()
            flash(_wait_message(attempt.wait), "error")
            return render_template("auth/login.html", form=form), 429
        # Counted before the password is checked, so that parallel attempts see each other.
        db.session.commit()
        user = authenticate(number, form.password.data)
        if user is None:
            _record_failure(attempt, number)
            db.session.commit()
            # The same answer for an unknown number, a wrong password and a disabled account.
            flash(_("The personnel number or password is incorrect."), "error")
            return render_template("auth/login.html", form=form), 200
        throttle.succeeded(_policy(), attempt)
        chosen = session.get("locale")
        if chosen and not user.locale:
            user.locale = chosen
        user.last_login_at = utcnow()
        db.session.commit()
        session.clear()  # a fresh session on sign-in
        login_user(user)
        if user.must_change_password:
            flash(_("Please choose your own password before you continue."), "info")
            return redirect(url_for("auth.change_password"))
        return redirect(local_url(request.args.get("next")) or url_for("core.home"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@access.signed_in
def logout() -> ResponseReturnValue:
    # Ends the session on the server too: a copy of the cookie is refused from now on
    # (and so are the account's sessions in other browsers).
    current_user.end_sessions()
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


def _account_page(form: ChangePasswordForm, email_form: EmailForm | None = None):
    if email_form is None:
        email_form = EmailForm(formdata=None, email=current_user.email or "")
    return render_template("auth/change_password.html", form=form, email_form=email_form)


@bp.post("/account/email")
@access.signed_in
def change_email() -> ResponseReturnValue:
    """Save or remove one's own e-mail address for reminders (optional)."""
    email_form = EmailForm()
    if not email_form.validate_on_submit():
        return _account_page(ChangePasswordForm(formdata=None), email_form)
    user = current_user._get_current_object()
    user.email = emails.clean(email_form.email.data)
    audit(user, "email.changed", f"user:{user.id}")  # the address itself stays out of the log
    db.session.commit()
    flash(_("Your e-mail address has been saved.") if user.email else _("Your e-mail address has been removed."),
          "success")
    return redirect(url_for("auth.change_password"))


@bp.route("/account/password", methods=["GET", "POST"])
@access.signed_in
def change_password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _account_page(form)
    user = current_user._get_current_object()
    number = user.personnel_number
    attempt = throttle.begin(_policy(), number, request.remote_addr or "")
    if attempt.wait:
        db.session.rollback()
        form.current_password.errors.append(_wait_message(attempt.wait))
        return _account_page(form), 429
    db.session.commit()
    if not check_current_password(user, form.current_password.data):
        _record_failure(attempt, number)
        db.session.commit()
        form.current_password.errors.append(_("The current password is incorrect."))
        return _account_page(form)
    throttle.succeeded(_policy(), attempt)
    if form.new_password.data == form.current_password.data:
        form.new_password.errors.append(_("Choose a password different from the current one."))
    elif problems := password_problems(
        form.new_password.data, number, (user.name_native, user.name_latin)
    ):
        form.new_password.errors.extend(problems)
    else:
        set_password(user, form.new_password.data, one_time=False)
        audit(user, "password.changed", f"user:{user.id}")
        db.session.commit()
        login_user(user)  # this session goes on; the others have ended
        flash(_("Your password has been changed."), "success")
        return redirect(url_for("core.home"))
    db.session.commit()
    return _account_page(form)
