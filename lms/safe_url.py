"""The one rule for addresses that must stay on this site: redirects after sign-in or a
language switch, and links in course content."""

from __future__ import annotations

from urllib.parse import urlsplit


def local_url(target: str | None) -> str | None:
    """Return target when it is a path on this site, else None.

    Browsers read a backslash as a slash and drop tabs and newlines anywhere in a URL, so
    "/\\\\evil.example" and "/\\t/evil.example" lead to another host: refused, like "//host"
    and any scheme. A space is never part of a valid address: refused too.
    """
    if not target or not target.startswith("/"):
        return None
    if "\\" in target or any(ord(c) <= 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return None
    return target
