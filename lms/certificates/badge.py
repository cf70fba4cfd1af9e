"""A certificate as an Open Badges 3.0 credential, signed with the platform's Ed25519 key.

The proof is a W3C Data Integrity proof with the `eddsa-jcs-2022` cryptosuite, made and
checked as the W3C "Data Integrity EdDSA Cryptosuites v1.0" writes it: the proof carries
the `@context` it was signed with; the proof configuration (the proof without its value)
and the credential are each canonicalised with JCS (RFC 8785), hashed with SHA-256, and
the two hashes (proof first) signed with Ed25519. The issuer is the `did:key` of the
platform key (the same key as in /certificates/public-keys), so the credential verifies
offline, with our verifier or any other.

The holder is named by salted SHA-256 hashes of their name, as Open Badges 3.0 recommends
for personal data (docs/open-badges.md says how a verifier checks them).
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

import base58
import rfc8785
from babel.numbers import format_decimal
from flask_babel import force_locale
from flask_babel import gettext as _

from lms.certificates.keys import SigningKey, as_public_key, raw_public
from lms.certificates.models import Certificate

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from lms.certificates.printed import plain_hours, verify_url
from lms.i18n import date_text
from lms.timeutil import utcnow

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
CRYPTOSUITE = "eddsa-jcs-2022"
PROOF_TYPE = "DataIntegrityProof"
PURPOSE = "assertionMethod"
_ED25519_PUB = b"\xed\x01"  # multicodec ed25519-pub


class InvalidProofError(ValueError):
    pass


# Multibase (base58btc), did:key ------------------------------------------------------------


def multibase(data: bytes) -> str:
    return "z" + base58.b58encode(data).decode("ascii")


def from_multibase(text: str) -> bytes:
    if not isinstance(text, str) or not text.startswith("z"):
        raise InvalidProofError("not a base58btc multibase value")
    try:
        return base58.b58decode(text[1:])
    except ValueError as exc:
        raise InvalidProofError("not a base58btc multibase value") from exc


def did_key(public_key: Ed25519PublicKey) -> str:
    return "did:key:" + multibase(_ED25519_PUB + raw_public(public_key))


def verification_method(public_key: Ed25519PublicKey) -> str:
    """The id of the key in its did:key document: `did:key:z6Mk…#z6Mk…`."""
    did = did_key(public_key)
    return f"{did}#{did.removeprefix('did:key:')}"


def public_key_of_did(did: str) -> Ed25519PublicKey:
    if not isinstance(did, str) or not did.startswith("did:key:"):
        raise InvalidProofError("not a did:key")
    raw = from_multibase(did.removeprefix("did:key:"))
    if not raw.startswith(_ED25519_PUB) or len(raw) != 34:
        raise InvalidProofError("not an Ed25519 did:key")
    return as_public_key(raw[2:])


# eddsa-jcs-2022 ----------------------------------------------------------------------------


def jcs(value) -> bytes:
    """JSON Canonicalization Scheme (RFC 8785)."""
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as exc:
        raise InvalidProofError("the document cannot be canonicalised") from exc


def _hash_data(document: Mapping, proof_config: Mapping) -> bytes:
    return hashlib.sha256(jcs(proof_config)).digest() + hashlib.sha256(jcs(document)).digest()


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def sign(document: Mapping, key: SigningKey, created: datetime | None = None) -> dict:
    """Add an eddsa-jcs-2022 Data Integrity proof (assertion, by the key's did:key)."""
    if "proof" in document:
        raise ValueError("the document already carries a proof")
    proof = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": _iso(created or utcnow()),
        "verificationMethod": verification_method(key.public),
        "proofPurpose": PURPOSE,
    }
    if "@context" in document:
        proof["@context"] = document["@context"]
    signature = key.private.sign(_hash_data(document, proof))
    return {**document, "proof": {**proof, "proofValue": multibase(signature)}}


def _valid_timestamp(value) -> bool:
    if not isinstance(value, str) or "T" not in value:
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def verify_proof(secured: Mapping) -> dict:
    """Check the eddsa-jcs-2022 proof with the key it names; return the unsecured document.

    This proves the document is unaltered since the named key signed it; `verify` also
    decides whether that key speaks for the issuer and is the platform's.
    """
    if not isinstance(secured, Mapping) or not isinstance(secured.get("proof"), Mapping):
        raise InvalidProofError("the document carries no single proof")
    document = {k: v for k, v in secured.items() if k != "proof"}
    options = dict(secured["proof"])
    value = options.pop("proofValue", None)
    if options.get("type") != PROOF_TYPE or options.get("cryptosuite") != CRYPTOSUITE:
        raise InvalidProofError("not an eddsa-jcs-2022 Data Integrity proof")
    if options.get("proofPurpose") != PURPOSE:
        raise InvalidProofError("the proof is not an assertion")
    if not _valid_timestamp(options.get("created")):
        raise InvalidProofError("the proof's creation time is not a date and time with a zone")
    signed_document = document
    if "@context" in options:
        context, proof_context = document.get("@context"), options["@context"]
        context = context if isinstance(context, list) else [context]
        proof_context = proof_context if isinstance(proof_context, list) else [proof_context]
        if context[:len(proof_context)] != proof_context:
            raise InvalidProofError("the document's @context does not begin with the proof's")
        signed_document = {**document, "@context": options["@context"]}
    method = options.get("verificationMethod")
    if not isinstance(method, str):
        raise InvalidProofError("not a did:key")
    public_key = public_key_of_did(method.split("#")[0])
    if method != verification_method(public_key):
        raise InvalidProofError("the verification method is not the key of its did:key")
    signature = from_multibase(value)
    from cryptography.exceptions import InvalidSignature  # loaded on first use (keys.py)

    try:
        public_key.verify(signature, _hash_data(signed_document, options))
    except InvalidSignature as exc:
        raise InvalidProofError("the proof does not match the credential") from exc
    return document


def issuer_id(document: Mapping):
    issuer = document.get("issuer")
    return issuer.get("id") if isinstance(issuer, Mapping) else issuer


def verify(secured: Mapping, public_keys: Mapping | Iterable) -> dict:
    """Check a credential of the platform: the proof, that its issuer controls the signing
    key, and that the key is one the platform publishes (/certificates/public-keys).

    public_keys: the published keys (key id -> key, raw bytes or base64 text), or a list of them.
    Returns the credential without its proof; raises InvalidProofError.
    """
    document = verify_proof(secured)
    issuer = issuer_id(document)
    if secured["proof"]["verificationMethod"].split("#")[0] != issuer:
        raise InvalidProofError("the issuer does not control the key that signed the credential")
    keys = public_keys.values() if isinstance(public_keys, Mapping) else public_keys
    published = {raw_public(as_public_key(k)) for k in keys}
    if raw_public(public_key_of_did(issuer)) not in published:
        raise InvalidProofError("signed with a key the platform does not publish")
    return document


# The holder --------------------------------------------------------------------------------


def identity_hash(identity: str, salt: str) -> str:
    """Open Badges 3.0 IdentityHash: `sha256$` + hex SHA-256 of the UTF-8 identity then salt."""
    return "sha256$" + hashlib.sha256((identity + salt).encode("utf-8")).hexdigest()


def _identity(name: str, salt: str) -> dict:
    return {
        "type": "IdentityObject", "identityType": "name", "hashed": True,
        "identityHash": identity_hash(unicodedata.normalize("NFC", name), salt), "salt": salt,
    }


def holder_named(document: Mapping, name: str) -> bool:
    """Whether the credential's holder has this name (as printed on the certificate)."""
    name = unicodedata.normalize("NFC", name.strip())
    identifiers = (document.get("credentialSubject") or {}).get("identifier") or []
    if isinstance(identifiers, Mapping):
        identifiers = [identifiers]
    for item in identifiers:
        if not isinstance(item, Mapping) or item.get("identityType") != "name":
            continue
        if item.get("hashed") is True:
            if identity_hash(name, str(item.get("salt", ""))) == item.get("identityHash"):
                return True
        elif item.get("identityHash") == name:
            return True
    return False


def credential(cert: Certificate, lang: str, key: SigningKey, salt: str | None = None) -> dict:
    """The unsigned OpenBadgeCredential of a certificate, its texts in lang.

    The holder's names (as printed, and in Latin letters) appear only as salted hashes;
    a new random salt for every credential made, unless one is given.
    """
    salt = salt or secrets.token_hex(16)
    title = cert.title(lang).text
    with force_locale(lang):
        narrative = _(
            "Completed every module of version %(version)s of the course (%(hours)s training hours) on %(date)s.",
            version=cert.course_version, hours=format_decimal(plain_hours(cert.hours), locale=lang),
            date=date_text(cert.completed_on, "long", lang),
        )
    names = dict.fromkeys(n for n in (cert.name_native, cert.name_latin) if n)
    return {
        "@context": CONTEXT,
        "id": verify_url(cert.serial),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": did_key(key.public),
            "type": ["Profile"],
            "name": cert.institution_name(lang).text,
        },
        "validFrom": _iso(cert.issued_at),
        "name": title,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [_identity(name, salt) for name in names],
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


def badge(cert: Certificate, lang: str, key: SigningKey) -> dict:
    return sign(credential(cert, lang, key), key)
