"""A certificate as an Open Badges 3.0 credential, signed with the platform's Ed25519 key.

The proof is a W3C Data Integrity proof with the `eddsa-jcs-2022` cryptosuite: the
credential and the proof options are canonicalised with JCS (RFC 8785), each hashed with
SHA-256, and the concatenated hashes signed with Ed25519. The key is named as a `did:key`
(the same key as in /certificates/public-keys), so the credential verifies offline.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from babel.dates import format_date
from babel.numbers import format_decimal
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask_babel import force_locale
from flask_babel import gettext as _

from lms.certificates.keys import SigningKey, raw_public
from lms.certificates.models import Certificate
from lms.certificates.printed import plain_hours, verify_url
from lms.timeutil import utcnow

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_ED25519_MULTICODEC = b"\xed\x01"


class InvalidProofError(ValueError):
    pass


def base58btc(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rem = divmod(number, 58)
        out = _B58[rem] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def unbase58btc(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + _B58.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def did_key(public_key: Ed25519PublicKey) -> str:
    return "did:key:z" + base58btc(_ED25519_MULTICODEC + raw_public(public_key))


def public_key_of_did(did: str) -> Ed25519PublicKey:
    if not did.startswith("did:key:z"):
        raise InvalidProofError("not a did:key")
    raw = unbase58btc(did.removeprefix("did:key:z"))
    if not raw.startswith(_ED25519_MULTICODEC) or len(raw) != 34:
        raise InvalidProofError("not an Ed25519 did:key")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def jcs(value) -> bytes:
    """JSON canonicalisation (RFC 8785) for what credentials hold: text, integers, maps, lists."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _hash_data(document: Mapping, options: Mapping) -> bytes:
    return hashlib.sha256(jcs(options)).digest() + hashlib.sha256(jcs(document)).digest()


def _iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def credential(cert: Certificate, lang: str, key: SigningKey) -> dict:
    """The unsigned OpenBadgeCredential of a certificate, its texts in lang."""
    did = did_key(key.public)
    title = cert.title(lang).text
    with force_locale(lang):
        narrative = _(
            "Completed every module of version %(version)s of the course (%(hours)s training hours) on %(date)s.",
            version=cert.course_version, hours=format_decimal(plain_hours(cert.hours), locale=lang),
            date=format_date(cert.completed_on, "long", locale=lang),
        )
    return {
        "@context": CONTEXT,
        "id": verify_url(cert.serial),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": did,
            "type": ["Profile"],
            "name": cert.institution_name(lang).text,
        },
        "validFrom": _iso(cert.issued_at),
        "name": title,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject", "identityHash": cert.name_latin,
                "identityType": "name", "hashed": False,
            }],
            "achievement": {
                "id": f"urn:lms:course:{cert.course_id}:{cert.course_version}",
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": title,
                "description": title,
                "criteria": {"narrative": narrative},
                "humanCode": cert.serial,
            },
        },
    }


def sign(document: dict, key: SigningKey) -> dict:
    """Add an eddsa-jcs-2022 Data Integrity proof to a credential."""
    did = did_key(key.public)
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": _iso(utcnow()),
        "verificationMethod": f"{did}#{did.removeprefix('did:key:')}",
        "proofPurpose": "assertionMethod",
    }
    signature = key.private.sign(_hash_data(document, {**options, "@context": document["@context"]}))
    return {**document, "proof": {**options, "proofValue": "z" + base58btc(signature)}}


def badge(cert: Certificate, lang: str, key: SigningKey) -> dict:
    return sign(credential(cert, lang, key), key)


def verify(signed: Mapping) -> dict:
    """Check the proof of a signed credential with the key it names; return the credential."""
    document = {k: v for k, v in signed.items() if k != "proof"}
    proof = dict(signed.get("proof") or {})
    value = proof.pop("proofValue", "")
    if proof.get("cryptosuite") != "eddsa-jcs-2022" or not value.startswith("z"):
        raise InvalidProofError("unsupported proof")
    public_key = public_key_of_did(proof.get("verificationMethod", "").split("#")[0])
    try:
        public_key.verify(unbase58btc(value[1:]), _hash_data(document, {**proof, "@context": document["@context"]}))
    except (InvalidSignature, ValueError) as exc:
        raise InvalidProofError("the proof does not match the credential") from exc
    return document
