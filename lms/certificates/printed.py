"""What a certificate says, in a language: the one source for the PDF, the QR and the pages."""

from __future__ import annotations

from flask import current_app

from lms.certificates.keys import SigningKey, app_store
from lms.certificates.models import Certificate
from lms.certificates.signing import sign_fields
from lms.i18n import LOCALES


def plain_hours(hours: float) -> int | float:
    return int(hours) if float(hours).is_integer() else float(hours)


def printed_fields(cert: Certificate, lang: str) -> dict:
    """The fields printed on the certificate in lang (the signed QR payload carries these)."""
    return {
        "serial": cert.serial,
        "name": cert.name_native,
        "name_latin": cert.name_latin,
        "version": cert.course_version,
        "title": cert.title(lang).text,
        "lang": lang,
        "hours": plain_hours(cert.hours),
        "date": cert.completed_on.isoformat(),
        "score": cert.final_score,
        "institution": cert.institution_name(lang).text,
        "signer": cert.signer_name(lang).text,
        "signer_title": cert.signer_title(lang).text,
    }


def payload(cert: Certificate, lang: str, key: SigningKey | None = None) -> str:
    """The signed payload of the certificate as printed in lang (deterministic per key)."""
    return sign_fields(printed_fields(cert, lang), key or app_store().current())


def verify_url(serial: str) -> str:
    return f"{current_app.config['LMS_PUBLIC_URL'].rstrip('/')}/verify/{serial}"


def qr_text(cert: Certificate, signed: str) -> str:
    """What the QR code holds: the public verification link, the signed payload after '#'."""
    return f"{verify_url(cert.serial)}#{signed}"


def languages_for(cert: Certificate, requested: str | None, officer_lang: str | None) -> tuple[str, str | None]:
    """(main language, second language or None) of a printed certificate.

    A course language the officer picks is printed alone; otherwise the officer's language
    comes first with English beside it.
    """
    if requested and requested in cert.languages:
        return requested, None
    main = officer_lang if officer_lang is not None and officer_lang in LOCALES else "en"
    return main, (None if main == "en" else "en")
