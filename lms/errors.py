"""Domain errors that logic modules raise and the web layer answers.

Logic never calls `abort`: it says what is missing by raising `NotFoundError`, and the one
handler registered in `create_app` answers it with the 404 page. CLI commands and
background work get an ordinary exception they can catch.
"""

from __future__ import annotations


class NotFoundError(LookupError):
    """What was asked for does not exist, or is not there for this account (answered 404)."""
