"""The signed CSRF token of a session, made once per process instead of on every page.

Flask-WTF keeps a random token in the session and puts a signed copy of it in each form,
signing it again on every request that shows a form (every signed-in page has one: sign
out). The signature covers only the session's token and the secret key (tokens do not
expire: WTF_CSRF_TIME_LIMIT is None), so a copy signed once is as valid as a new one, on any
app server with the same key. Each process remembers the signed copy of the sessions it has
served and hands it to Flask-WTF (which reads it from `g`) before the page is made. Nothing
here is state another server would need.
"""

from __future__ import annotations

import secrets

from flask import Flask, current_app, g, request, session
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from lms.catalog.cache import Bounded

# Signed token by the session's own token, for the sessions this process served lately.
SIGNED = Bounded(20_000)
FIELD = "csrf_token"  # Flask-WTF's default field name, in the session and in g


def mark(name: str) -> Markup:
    """A mark that stands in a cached page part for what each request puts there.

    Random per process and of one length, so no course text contains one and none is a
    prefix of another; `name` only makes a page part readable when debugging.
    """
    return Markup(f"{name}-mark-{secrets.token_hex(16)}")  # noqa: S704 (letters and digits)


# The request's CSRF token, replaced by each request's own (`with_token`).
TOKEN_MARK = mark("csrf")


def with_token(html: str) -> Markup:
    """A cached page part with this request's CSRF token where it was marked."""
    if TOKEN_MARK in html:
        html = html.replace(TOKEN_MARK, str(escape(generate_csrf())))
    return Markup(html)  # noqa: S704 (rendered by our templates, token escaped)


def _reuse() -> None:
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return  # a new visitor: no session to look into (and no Vary: Cookie for it)
    raw = session.get(FIELD)
    if isinstance(raw, str) and (signed := SIGNED.get(raw)) is not None:
        setattr(g, FIELD, signed)


def _remember(response):
    signed = g.get(FIELD)
    if signed is not None:
        raw = session.get(FIELD)
        if isinstance(raw, str) and SIGNED.get(raw) is None:
            SIGNED.put(raw, signed)
    return response


def init_app(app: Flask) -> None:
    app.before_request(_reuse)
    app.after_request(_remember)
