"""Home page, language choice, health check and error pages."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
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
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from lms import access
from lms.extensions import db
from lms.i18n import LOCALES
from lms.safe_url import local_url

bp = Blueprint("core", __name__, template_folder="templates")


@bp.get("/")
@access.public
def home() -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    from lms.org.models import Role

    if current_user.role == Role.OFFICER:
        return redirect(url_for("learning.mine"))
    return render_template("core/home.html", home_links=home_links(current_user))


def home_links(user) -> list[dict]:
    """The first things each role does, as links on the home page."""
    from lms.org.models import Role

    links: list[dict] = []
    for provider in _HOME_LINK_PROVIDERS:
        links.extend(provider(user))
    if user.role in (Role.MANAGER, Role.TRAINER, Role.ADMIN):
        links.append({"url": url_for("org.people"), "label": _("People")})
    if user.role == Role.ADMIN:
        links.append({"url": url_for("admin.index"), "label": _("Administration")})
    return links


# Features add their own home links here (learning, reports, ...), in registration order.
_HOME_LINK_PROVIDERS: list = []


def add_home_links(provider) -> None:
    _HOME_LINK_PROVIDERS.append(provider)


@bp.get("/about")
@access.public
def about() -> ResponseReturnValue:
    return render_template("core/about.html")


@bp.get("/language/<code>")
@access.public
def set_language(code: str) -> ResponseReturnValue:
    """Switch the interface language; saved on the account when signed in."""
    target = local_url(request.args.get("next")) or url_for("core.home")
    if code not in LOCALES:
        flash(_("This language is not available. Choose one from the list."), "error")
        return redirect(target)
    session["locale"] = code
    if current_user.is_authenticated and current_user.locale != code:
        current_user.locale = code
        db.session.commit()
    return redirect(target)


@bp.get("/healthz")
@access.public
def healthz() -> ResponseReturnValue:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        abort(503)
    return {"status": "ok"}, 200


@bp.get("/readyz")
@access.public
def readyz() -> ResponseReturnValue:
    """Readiness for a load balancer: the database answers, and so does the shared
    rate-limit store when one is configured (Redis). 503 names what failed."""
    checks = {"database": "ok"}
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        checks["database"] = "unavailable"
    if current_app.config.get("RATELIMIT_STORAGE_URI", "memory://") != "memory://":
        from lms.extensions import limiter

        try:
            reachable = limiter.storage.check()
        except Exception:  # noqa: BLE001 (any client error means not reachable)
            reachable = False
        checks["rate_limit_store"] = "ok" if reachable else "unavailable"
    ready = all(value == "ok" for value in checks.values())
    return {"status": "ready" if ready else "not ready", **checks}, 200 if ready else 503


def render_error(error) -> ResponseReturnValue:
    code = getattr(error, "code", 500) or 500
    if isinstance(error, CSRFError):
        code = 400
    db.session.rollback()
    messages = {
        400: (_("Bad request"), _("The form has expired or was not sent correctly. Go back, reload the page and try again. Nothing was saved.")),
        403: (_("Access denied"), _("You do not have permission to open this page.")),
        404: (_("Page not found"), _("The page you asked for does not exist. Check the address or go to the home page.")),
        405: (_("Not allowed"), _("This address cannot be used this way.")),
        413: (_("File too large"), _("The file you sent is too large.")),
        429: (_("Too many requests"), _("Too many requests in a short time. Wait a minute and try again.")),
        503: (_("Service unavailable"), _("The service is temporarily unavailable. Try again in a few minutes.")),
    }
    title, text = messages.get(code, (_("Something went wrong"), _("An unexpected error occurred. It has been logged; try again later.")))
    if code not in messages:
        code = 500
    return render_template("error.html", code=code, title=title, text=text), code
