"""Certificates as files: one PDF, or many streamed into a zip archive."""

from __future__ import annotations

import io
import multiprocessing
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from lms.certificates.keys import SigningKey, app_store
from lms.certificates.models import Certificate
from lms.certificates.printed import languages_for, payload, qr_text

if TYPE_CHECKING:  # fpdf and Pillow load on first use, not in every web worker
    from lms.certificates.pdf import Document


def prepare(cert: Certificate, requested: str | None = None, officer_lang: str | None = None,
            key: SigningKey | None = None) -> Document:
    """The certificate in its languages, with its signed QR payload, ready to draw."""
    main, second = languages_for(cert, requested, officer_lang)
    signed = payload(cert, main, key or app_store().current())
    from lms.certificates.pdf import document

    return document(cert, main, second, qr_text(cert, signed))


def pdf_bytes(cert: Certificate, requested: str | None = None, officer_lang: str | None = None) -> bytes:
    from lms.certificates.pdf import draw

    return draw(prepare(cert, requested, officer_lang))


def file_name(cert: Certificate) -> str:
    """An ASCII file name: the Latin name and the serial."""
    latin = unicodedata.normalize("NFKD", cert.name_latin).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", latin).strip("-")[:60] or "certificate"
    return f"{slug}-{cert.serial}.pdf"


class _Sink(io.RawIOBase):
    """A write-only stream that hands over what was written so far."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        data, self._chunks = b"".join(self._chunks), []
        return data


def zip_stream(files: Iterable[tuple[str, bytes]]) -> Iterator[bytes]:
    """A zip archive of (name, data) pairs, yielded piece by piece as the files come."""
    sink = _Sink()
    # PDFs are already compressed: store them as they are.
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in files:
            archive.writestr(name, data)
            yield sink.take()
    yield sink.take()


def pdf_files(certs: list[Certificate], workers: int = 1,
              progress: Callable[[int], None] | None = None) -> Iterator[tuple[str, bytes]]:
    """(file name, PDF) of each certificate, in the officer's language with English beside it.

    With workers > 1 the drawing runs in that many forked processes (command line only).
    """
    key = app_store().current()
    docs = (prepare(cert, None, cert.user.locale, key) for cert in certs)
    names = (file_name(cert) for cert in certs)
    from lms.certificates.pdf import draw

    if workers > 1:
        # The pool reads its tasks in a thread without the app context: prepare them here.
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for name, data in zip(names, pool.imap(draw, list(docs), chunksize=4), strict=True):
                if progress:
                    progress(1)
                yield name, data
        return
    for name, doc in zip(names, docs, strict=True):
        data = draw(doc)
        if progress:
            progress(1)
        yield name, data
