"""The page frame (header, menus, footer) that every page repeats.

Its translated texts and links are the same for every page in one language and role, so
each process makes them once per (language, role) and keeps them, with the header itself
rendered once for each; per request only the account's name, its CSRF token and the address
of the page (which the language links carry) are put in. Nothing here is state another
server would need.
"""

from __future__ import annotations

from flask import Flask, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from lms.catalog.cache import Bounded
from lms.csrf_tokens import TOKEN_MARK, mark, with_token
from lms.i18n import current_language

# Stand in the cached header for the account's name and the page's address (random per
# process, so no text can contain them).
NAME_MARK = mark("name")
HERE_MARK = mark("here")
# The language links' part for a page's address (`_here`), by the page's path and query:
# at most 1,024 addresses of at most 300 characters, under 1.5 MB.
HERE = Bounded(1024)
HERE_LONGEST = 300


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
        # A language link is this address, the language's code, then the page's own address.
        "language_url": url_for("core.set_language", code="en")[:-2],
        "nav": Markup(render_template("_nav.html")) if signed_in else Markup(""),  # noqa: S704 (our template)
    }
    return parts


def frame() -> dict:
    """The frame of this request's page: cached texts and links, and the header with this
    account's name, token and the page's address put in."""
    user = current_user._get_current_object()  # once: each use of the proxy looks it up again
    signed_in = bool(user and user.is_authenticated)
    role = user.role.value if signed_in else None
    with_menus = signed_in and not user.must_change_password
    key = (current_language(), role, with_menus, request.script_root)
    cache = current_app.extensions["lms_frame"]
    found = cache.get(key)
    if found is None or current_app.debug:
        parts = _parts(signed_in)
        header = render_template("_header.html", f=parts, signed_in=signed_in, with_menus=with_menus,
                                 token=TOKEN_MARK, name=NAME_MARK, here=HERE_MARK)
        found = cache[key] = (parts, header)
    parts, header = found
    header = header.replace(HERE_MARK, _here(request.full_path))
    if signed_in:
        header = with_token(header.replace(NAME_MARK, str(escape(user.name_native))))
    return {**parts, "header": Markup(header)}  # noqa: S704 (our template; the values put in are escaped)


def _here(full_path: str) -> str:
    """The page's own address as the language links carry it (the part after the code),
    escaped for the page: the same for a path in every app, so kept per process (only for
    addresses of ordinary length, so that long query strings cannot fill a worker's memory)."""
    found = HERE.get(full_path)
    if found is None:
        link = url_for("core.set_language", code="en", next=full_path.rstrip("?"))
        found = str(escape(link[link.index("/language/en") + len("/language/en"):]))
        if len(full_path) <= HERE_LONGEST:
            HERE.put(full_path, found)
    return found


def init_app(app: Flask) -> None:
    app.extensions["lms_frame"] = {}
    app.add_template_global(frame, "frame")
