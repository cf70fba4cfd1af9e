"""The signed payload a certificate's QR code carries, checked with the public keys alone.

Format: `base64url(zlib(canonical JSON)) "." base64url(Ed25519 signature of canonical JSON)`,
base64url without padding. Canonical JSON: the printed fields, keys sorted, no spaces, UTF-8.
zlib keeps the QR code small (a third less than plain JSON for Cyrillic text). The fields
name the key that signed them (`key`), so a verifier picks the right public key after a
rotation.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Mapping

from lms.certificates.keys import SigningKey, as_public_key
from lms.certificates.serial import normalise

# The fields a payload must carry (all printed on the certificate).
FIELDS = frozenset({
    "serial", "key", "name", "name_latin", "version", "title", "lang", "hours",
    "date", "score", "institution", "signer", "signer_title",
})
_URL_SERIAL = re.compile(r"/verify/([^/#?]+)")
MAX_FIELDS_BYTES = 8192


class InvalidPayloadError(ValueError):
    """The payload is malformed, signed by an unknown key, or altered."""


def canonical(fields: Mapping) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_fields(fields: Mapping, key: SigningKey) -> str:
    """Sign the fields with the key; the key id becomes one of the signed fields."""
    data = canonical({**fields, "key": key.id})
    return f"{b64url(zlib.compress(data, 9))}.{b64url(key.private.sign(data))}"


def verify_payload(text: str, public_keys: Mapping) -> dict:
    """Check a payload (or a whole QR link) against public keys; return its fields or raise.

    public_keys maps key id -> Ed25519PublicKey, raw 32 bytes or their base64 text.
    """
    text = (text or "").strip()
    url_serial = None
    if "#" in text:
        link, text = text.rsplit("#", 1)
        if found := _URL_SERIAL.search(link):
            url_serial = normalise(found.group(1))
            if url_serial is None:
                raise InvalidPayloadError("the serial in the link is not valid")
    body, dot, signature = text.partition(".")
    if not dot or not body or not signature:
        raise InvalidPayloadError("not a certificate payload")
    try:
        sig = unb64url(signature)
        inflater = zlib.decompressobj()
        data = inflater.decompress(unb64url(body), MAX_FIELDS_BYTES)
        if inflater.unconsumed_tail or not inflater.eof:
            raise ValueError("too long or truncated")
        fields = json.loads(data.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError, zlib.error) as exc:
        raise InvalidPayloadError("not a certificate payload") from exc
    if not isinstance(fields, dict) or not FIELDS <= fields.keys():
        raise InvalidPayloadError("the payload lacks certificate fields")
    kid = fields["key"]
    if kid not in public_keys:
        raise InvalidPayloadError("signed by an unknown key")
    from cryptography.exceptions import InvalidSignature  # loaded on first use (keys.py)

    try:
        as_public_key(public_keys[kid]).verify(sig, data)
    except (InvalidSignature, ValueError) as exc:
        raise InvalidPayloadError("the signature does not match: the certificate was altered") from exc
    if url_serial is not None and url_serial != fields["serial"]:
        raise InvalidPayloadError("the serial in the link differs from the signed serial")
    return fields
