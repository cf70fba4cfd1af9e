"""The session cookie, verified once per process instead of on every request.

Flask checks the signed session cookie on every request: it builds a serializer, derives
the signing key, checks the HMAC, decodes base64 and the tagged JSON. For a signed-in page
that is about 90 µs of a 2 ms request, every time the same for the same cookie. Each
process here remembers what a cookie it has verified holds, by the exact cookie text and
the keys it was verified with, and only checks its age again on the next request: a
cookie is the same bytes until the session changes, and then it is a new cookie, verified
afresh. Nothing here is state another server would need.

What is remembered: only sessions whose values are all plain (text, numbers, true/false),
so no request can change what the next one finds (a list such as the flashed messages
is changed in place by Flask; such a session is verified every time, as before). The age
is checked as itsdangerous checks it (whole seconds, no older than the session lifetime,
not signed in the future), so a remembered cookie expires exactly when it would have.
A cookie that fails verification is never remembered.
"""

from __future__ import annotations

import time

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

from lms.catalog.cache import Bounded

# (signing keys, cookie text) -> (the session's values, when it was signed, in whole seconds).
# About 1.3 KB each (measured): at most 2.7 MB a process, for the 2,048 sessions it served
# last (a training room is a few dozen); when full it starts again empty.
VERIFIED = Bounded(2048)
_PLAIN = (str, int, float, bool, type(None))


class CookieSessions(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        text = request.cookies.get(self.get_cookie_name(app))
        if not text or not app.secret_key:
            return super().open_session(app, request)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()), text)
        found = VERIFIED.get(key)
        if found is not None:
            values, signed_at = found
            if 0 <= int(time.time()) - signed_at <= max_age:
                return self.session_class(values)
            VERIFIED.discard(key)  # expired: itsdangerous refuses it below, as before
        serializer = self.get_signing_serializer(app)
        assert serializer is not None  # a secret key is set
        try:
            values, signed = serializer.loads(text, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(values, dict) and all(isinstance(value, _PLAIN) for value in values.values()):
            VERIFIED.put(key, (values, int(signed.timestamp())))
        return self.session_class(values)
