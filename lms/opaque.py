"""Opaque names for what a form offers (quiz options, role-play replies).

A page must not carry the course file's ids: they are short, ordered and often tell which
answer is right. Each offered item is named instead by an HMAC of what it is and where it
is offered, under the deployment's secret key. Nothing is stored: the server derives the
same names again to read a form back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def opaque_key(secret: str, purpose: str, *parts: object) -> str:
    """A 16-letter name for (purpose, *parts) that only the secret's holder can derive."""
    message = "\x1f".join([purpose, *(str(p) for p in parts)]).encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b32encode(digest[:10]).decode().lower()
