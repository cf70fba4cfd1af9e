"""The page frame (header, menus, footer) that every page repeats.

Its translated texts and links are the same for every page in one language and role, so
each process makes them once per (language, role) and keeps them; only the links that
carry the page's own address (the language choice) are made per request. Nothing here is
state another server would need.
"""

from __future__ import annotations

from flask import Flask, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from lms.i18n import LOCALES, current_language


def _parts(signed_in: bool) -> dict:
    parts = {
        "site": _("Staff training"),
        "skip": _("Skip to main content"),
        "main": _("Main"),
        "language": _("Language"),
        "menu": _("Menu"),
        "sign_out": _("Sign out"),
        "footer": _("Training platform for prison and probation services"),
        "about": _("About"),
        "home_url": url_for("core.home"),
        "about_url": url_for("core.about"),
        "logout_url": url_for("auth.logout"),
        "css_url": url_for("static", filename="lms.css"),
        "icon_url": url_for("static", filename="favicon.svg"),
        "nav": Markup(render_template("_nav.html")) if signed_in else Markup(""),  # noqa: S704 (our template)
    }
    return parts


def frame() -> dict:
    """The frame of this request's page: cached texts and links, and the language links."""
    signed_in = bool(current_user and current_user.is_authenticated)
    role = current_user.role.value if signed_in else None
    key = (current_language(), role, request.script_root)
    cache = current_app.extensions["lms_frame"]
    parts = cache.get(key)
    if parts is None or current_app.debug:
        parts = cache[key] = _parts(signed_in)
    # One address built per request; the other languages differ only in their code.
    here = url_for("core.set_language", code="en", next=request.full_path.rstrip("?"))
    at = here.index("/language/en") + len("/language/")
    languages = [(code, name, f"{here[:at]}{code}{here[at + 2:]}") for code, name in LOCALES.items()]
    return {**parts, "languages": languages}


def init_app(app: Flask) -> None:
    app.extensions["lms_frame"] = {}
    app.add_template_global(frame, "frame")
