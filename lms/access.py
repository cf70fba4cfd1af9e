"""Every endpoint declares who may reach it; one hook enforces it.

A view without a declared rule is refused, and a test walks the URL map so that no
route can be added without one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from lms.org.models import Role

F = TypeVar("F", bound=Callable)

PUBLIC = "public"
SIGNED_IN = "signed_in"
# Endpoints an account that must change its one-time password may still reach.
ALLOWED_BEFORE_PASSWORD_CHANGE = {
    "auth.change_password",
    "auth.logout",
    "core.set_language",
    "static",
    "core.healthz",
}


def public(view: F) -> F:
    """Anyone, signed in or not."""
    view._access = PUBLIC  # type: ignore[attr-defined]
    return view


def signed_in(view: F) -> F:
    """Any signed-in account; the view checks record ownership itself."""
    view._access = SIGNED_IN  # type: ignore[attr-defined]
    return view


def roles(*allowed: Role) -> Callable[[F], F]:
    """Only accounts with one of these roles."""

    def decorate(view: F) -> F:
        view._access = frozenset(allowed)  # type: ignore[attr-defined]
        return view

    return decorate


def rule_of_app(app, endpoint: str):
    """The declared rule of an endpoint, or None when it has none."""
    if endpoint == "static":
        return PUBLIC
    return getattr(app.view_functions.get(endpoint), "_access", None)


def rule_of(endpoint: str):
    return rule_of_app(current_app, endpoint)


def enforce():
    """before_request hook: apply the endpoint's declared rule."""
    endpoint = request.endpoint
    if endpoint is None:  # 404 and 405 are handled by Flask itself
        return None
    rule = rule_of(endpoint)
    if rule is None:
        abort(403)
    user = current_user._get_current_object()  # once: each use of the proxy looks it up again
    if user.is_authenticated and user.must_change_password and endpoint not in ALLOWED_BEFORE_PASSWORD_CHANGE:
        return redirect(url_for("auth.change_password"))
    if rule == PUBLIC:
        return None
    if not user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if rule == SIGNED_IN:
        return None
    if user.role not in rule:
        abort(403)
    return None
