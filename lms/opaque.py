"""Opaque names for what a form offers (quiz options, role-play replies).

A page must not carry the course file's ids: they are short, ordered and often tell which
answer is right. Each offered item is named instead by an HMAC of what it is and where it
is offered, under the deployment's secret key. Nothing is stored: the server derives the
same names again to read a form back.
"""

from __future__ import annotations

import hmac

# Base32 (RFC 4648, lower case) of every 10-bit value as its two letters: the first 10 bytes
# of a digest are 80 bits, so 8 look-ups give the 16 letters base64.b32encode would (a quiz
# page derives dozens of keys, and b32encode is written in Python).
_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
_PAIRS = [a + b for a in _ALPHABET for b in _ALPHABET]
_SHIFTS = (70, 60, 50, 40, 30, 20, 10, 0)


def opaque_key(secret: str, purpose: str, *parts: object) -> str:
    """A 16-letter name for (purpose, *parts) that only the secret's holder can derive."""
    message = "\x1f".join([purpose, *(str(p) for p in parts)]).encode()
    number = int.from_bytes(hmac.digest(secret.encode(), message, "sha256")[:10], "big")
    return "".join([_PAIRS[(number >> shift) & 1023] for shift in _SHIFTS])
