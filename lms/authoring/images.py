"""Images uploaded into a module's media: checked from their bytes, re-encoded, named by hash."""

from __future__ import annotations

import hashlib
import io
import warnings

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 4096 * 4096
MAX_SIDE = 8000
FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
SVG_NS = "{http://www.w3.org/2000/svg}"
SVG_FORBIDDEN = {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener"}


class ImageRefusedError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def image_kind(data: bytes) -> str | None:
    """The image type the bytes say, whatever the name says."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg", b"<!--")) and b"<svg" in data[:4096].lower():
        return "svg"
    return None


def svg_problem(data: bytes) -> str | None:
    """Why an SVG is unsafe to show (scripts, handlers, outside references), or None."""
    try:
        root = ElementTree.fromstring(data, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        return "unsafe-svg"
    if root.tag.lower() not in ("svg", f"{SVG_NS}svg"):
        return "unsafe-svg"
    for element in root.iter():
        tag = str(element.tag).rsplit("}", 1)[-1].lower()
        if tag in SVG_FORBIDDEN:
            return "unsafe-svg"
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on"):
                return "unsafe-svg"
            if local == "href" and not value.strip().startswith("#"):
                return "unsafe-svg"
            if "url(" in value.replace(" ", "").lower() and "url(#" not in value.replace(" ", "").lower():
                return "unsafe-svg"
        if tag == "style" and element.text and ("@import" in element.text or "url(" in element.text):
            return "unsafe-svg"
    return None


def prepare_upload(data: bytes) -> tuple[str, bytes]:
    """Check and re-encode an uploaded image; return (file name by content hash, bytes)."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageRefusedError("too-big")
    kind = image_kind(data)
    if kind == "svg":
        if svg_problem(data):
            raise ImageRefusedError("unsafe-svg")
        out, ext = data, "svg"
    elif kind is None:
        raise ImageRefusedError("not-an-image")
    else:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(data)) as img:
                    if img.format not in FORMATS:
                        raise ImageRefusedError("not-an-image")
                    width, height = img.size
                    if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
                        raise ImageRefusedError("too-many-pixels")
                    img.load()
                    fmt = img.format
                    # A fresh image: the pixels only, no EXIF, no text chunks, no colour profile.
                    mode = img.mode if img.mode in ("RGB", "RGBA", "L", "LA", "P") else "RGBA"
                    clean = img.convert(mode)
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
                Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRefusedError("not-an-image") from None
        buffer = io.BytesIO()
        if fmt == "JPEG":
            clean.convert("RGB").save(buffer, "JPEG", quality=85, optimize=True)
        elif fmt == "WEBP":
            clean.save(buffer, "WEBP", quality=85)
        else:
            clean.save(buffer, "PNG", optimize=True)
        out, ext = buffer.getvalue(), FORMATS[fmt]
    name = f"{hashlib.sha256(out).hexdigest()[:16]}.{ext}"
    return name, out
