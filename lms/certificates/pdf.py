"""Certificate PDFs: A4 landscape, black on white, text shaped by HarfBuzz (fpdf2 + uharfbuzz).

Fonts are embedded from lms/static/fonts; Arabic letters fall back to Noto Naskh Arabic and
run right to left. Labels are translated with gettext in the certificate's language.
"""

from __future__ import annotations

import copy
import io
import threading
from dataclasses import dataclass

import zxingcpp
from babel.numbers import format_decimal, format_percent
from flask_babel import force_locale
from flask_babel import gettext as _
from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont
from PIL import Image

from lms.certificates.fonts import font_path, needs_arabic, needs_shaping
from lms.certificates.models import Certificate
from lms.certificates.printed import plain_hours, verify_url
from lms.i18n import date_text, text_direction

PAGE_W, PAGE_H = 297, 210
BLACK = (0, 0, 0)
GREY = (70, 70, 70)


@dataclass(frozen=True)
class Side:
    """Everything printed in one language."""

    lang: str
    heading: str
    certifies: str
    completed: str
    version_label: str
    hours_label: str
    date_label: str
    score_label: str
    serial_label: str
    check_label: str
    title: str
    institution: str
    signer: str
    signer_title: str
    version: str
    hours: str
    date: str
    score: str | None


def _side(cert: Certificate, lang: str) -> Side:
    with force_locale(lang):
        labels = {
            "heading": _("Certificate"),
            "certifies": _("This certifies that"),
            "completed": _("has completed the course"),
            "version_label": _("Course version"),
            "hours_label": _("Training hours"),
            "date_label": _("Date of completion"),
            "score_label": _("Final score"),
            "serial_label": _("Serial"),
            "check_label": _("Check this certificate at"),
        }
    score = None
    if cert.final_score is not None:
        score = format_percent(cert.final_score / 100, locale=lang)
    return Side(
        lang=lang, **labels,
        title=cert.title(lang).text,
        institution=cert.institution_name(lang).text,
        signer=cert.signer_name(lang).text,
        signer_title=cert.signer_title(lang).text,
        version=format_decimal(cert.course_version, locale=lang),
        hours=format_decimal(plain_hours(cert.hours), locale=lang),
        date=date_text(cert.completed_on, "long", lang),
        score=score,
    )


# Letters names are written in: put into every document's subset of the sans font (the
# Cyrillic ones into the bold subset when the document has Cyrillic text), so that the
# subsets repeat and are made once per process whatever the names.
COMMON_LATIN = [
    *range(0x20, 0x7F), 0xA0, 0xAB, 0xB7, 0xBB, 0x2013, 0x2014, 0x2019, 0x201C, 0x201D, 0x201E, 0x2116,
]
COMMON_CYRILLIC = [*range(0x410, 0x450), 0x401, 0x451, 0x406, 0x456, *map(ord, "ӘәҒғҚқҢңӨөҰұҮүҺһӢӣӮӯҲҳҶҷ")]


class _DocumentFont:
    """What fpdf2 asks of one document's fontTools font, without parsing the font again.

    While drawing, HarfBuzz's glyph names and widths come from a font parsed once per
    process; when writing, the embedded subset is made once per set of glyphs and kept.
    """

    def __init__(self, shared: ttLib.TTFont, embeddable: bytes, key: tuple[str, str]) -> None:
        self._shared, self._embeddable, self._key = shared, embeddable, key
        self._subset: tuple[bytes, dict[str, int]] | None = None

    def getGlyphName(self, glyph_id: int) -> str:  # noqa: N802 (fontTools' name)
        return self._shared.getGlyphName(glyph_id)

    def __getitem__(self, tag: str):
        return self._shared[tag]

    def close(self) -> None:
        pass

    def make_subset(self, glyph_names, options) -> None:
        self._subset = _subset(self._key, frozenset(glyph_names), self._embeddable, options)

    def _made(self) -> tuple[bytes, dict[str, int]]:
        assert self._subset is not None  # fpdf2 calls make_subset before these
        return self._subset

    def getGlyphID(self, glyph_name: str) -> int:  # noqa: N802
        return self._made()[1][glyph_name]

    def save(self, output) -> None:
        output.write(self._made()[0])


_SUBSETS: dict[tuple, tuple[bytes, dict[str, int]]] = {}
_SUBSETS_KEPT = 64


def _subset(key: tuple[str, str], glyph_names: frozenset[str], embeddable: bytes, options) -> tuple[bytes, dict[str, int]]:
    """The font file holding only these glyphs, and each glyph's id in it (kept per process)."""
    with _FastFontPDF._lock:
        made = _SUBSETS.get((key, glyph_names))
    if made is None:
        from fontTools import subset

        ttfont = ttLib.TTFont(io.BytesIO(embeddable), recalcTimestamp=False, recalcBBoxes=False, lazy=True)
        subsetter = subset.Subsetter(options)
        subsetter.populate(glyphs=glyph_names)
        subsetter.subset(ttfont)
        buffer = io.BytesIO()
        ttfont.save(buffer)
        made = (buffer.getvalue(), {name: ttfont.getGlyphID(name) for name in glyph_names})
        with _FastFontPDF._lock:
            if len(_SUBSETS) >= _SUBSETS_KEPT:
                _SUBSETS.clear()
            _SUBSETS[(key, glyph_names)] = made
    return made


class _Subsetter:
    """fontTools' Subsetter as fpdf2 calls it, handing a document's font its kept subset."""

    def __init__(self, options) -> None:
        self.options, self.glyphs = options, ()

    def populate(self, glyphs=(), **kwargs) -> None:
        self.glyphs, self.kwargs = glyphs, kwargs

    def subset(self, font) -> None:
        if isinstance(font, _DocumentFont):
            font.make_subset(self.glyphs, self.options)
            return
        from fontTools import subset

        real = subset.Subsetter(self.options)
        real.populate(glyphs=self.glyphs, **self.kwargs)
        real.subset(font)


class _FastFontPDF(FPDF):
    """FPDF that prepares each font once per process and each embedded subset once per set
    of glyphs.

    fpdf2 parses a font file for every document and, when it writes, subsets it; both
    took most of a certificate's time. The parsed metrics never change, so each document
    gets a copy of a parsed template. The embedded subset is made from a copy of the font
    without its layout tables (HarfBuzz shapes the text from the font file itself; the
    embedded subset needs only outlines and metrics), with glyph names kept so the
    subsetter need not invent them; every document's sans subset holds the common letters
    of its scripts, so most certificates share one subset per style.
    """

    _templates: dict[tuple[str, str], tuple[TTFFont, bytes]] = {}
    _lock = threading.Lock()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _use_kept_subsets()

    def add_font(self, family=None, style="", fname=None, uni="DEPRECATED"):
        fontkey = f"{family}{style}"
        template, embeddable = self._template(fontkey, style, str(fname))
        font = copy.copy(template)
        font.i = len(self.fonts) + 1
        font.ttfont = _DocumentFont(template.ttfont, embeddable, (fontkey, str(fname)))
        font.missing_glyphs = []
        font.subset = SubsetMap(font)
        self.fonts[fontkey] = font

    def round_up(self, fontkey: str, code_points: list[int]) -> None:
        """Put these letters into the embedded subset of a font."""
        font = self.fonts[fontkey]
        for code_point in code_points:
            font.subset.pick(code_point)

    @classmethod
    def _template(cls, fontkey: str, style: str, fname: str) -> tuple[TTFFont, bytes]:
        with cls._lock:
            if (fontkey, fname) not in cls._templates:
                template = TTFFont(FPDF(), fname, fontkey, style)
                template.ttfont.close()
                ttfont = ttLib.TTFont(fname, recalcTimestamp=False)
                for table in ("GSUB", "GPOS", "GDEF"):
                    if table in ttfont:
                        del ttfont[table]
                ttfont["post"].formatType = 2.0
                ttfont["post"].extraNames = []
                ttfont["post"].mapping = {}
                buffer = io.BytesIO()
                ttfont.save(buffer)
                ttfont.close()
                embeddable = buffer.getvalue()
                # Read whole once, so that threads drawing at once only read it.
                shared = ttLib.TTFont(io.BytesIO(embeddable), recalcTimestamp=False)
                shared.ensureDecompiled()
                template.ttfont = shared
                cls._templates[(fontkey, fname)] = (template, embeddable)
            return cls._templates[(fontkey, fname)]


def _use_kept_subsets() -> None:
    """Have fpdf2 subset fonts through _Subsetter (other fonts are subset as before)."""
    from types import SimpleNamespace

    from fontTools import subset
    from fpdf import output

    if not isinstance(output.ftsubset, SimpleNamespace):
        output.ftsubset = SimpleNamespace(Options=subset.Options, Subsetter=_Subsetter)


class _Page:
    def __init__(self, texts: list[str]) -> None:
        pdf = _FastFontPDF(orientation="L", unit="mm", format="A4")
        pdf.set_creator("lms")
        pdf.set_auto_page_break(False)
        pdf.set_margins(0, 0, 0)
        for style in ("", "B"):
            pdf.add_font("sans", style, str(font_path("sans", style)))
        # Names vary in bold (the native name) and in Latin letters; the rest of a
        # certificate's text is the same for many officers.
        cyrillic = any("\u0400" <= c <= "\u04ff" for text in texts for c in text)
        pdf.round_up("sans", COMMON_LATIN)
        pdf.round_up("sansB", COMMON_LATIN + (COMMON_CYRILLIC if cyrillic else []))
        if needs_arabic(*texts):
            for style in ("", "B"):
                pdf.add_font("naskh", style, str(font_path("naskh", style)))
            pdf.set_fallback_fonts(["naskh"], exact_match=False)
        pdf.set_text_shaping(True)
        self._shaping = pdf.text_shaping
        pdf.add_page()
        self.pdf = pdf

    def _shape(self, text: str) -> None:
        """HarfBuzz for text that needs it (Arabic, combining marks); plain glyphs otherwise."""
        self.pdf.text_shaping = self._shaping if needs_shaping(text) else None

    def line(self, text: str, y: float, size: float, bold: bool = False, x: float = 20,
             width: float = PAGE_W - 40, align: str = "C", color=BLACK, min_size: float = 7) -> float:
        """One line of text, shrunk to fit the width; return the y below it."""
        if not text:
            return y
        pdf = self.pdf
        self._shape(text)
        style = "B" if bold else ""
        pdf.set_font("sans", style, size)
        while size > min_size and pdf.get_string_width(text) > width:
            size -= 0.5
            pdf.set_font("sans", style, size)
        pdf.set_text_color(*color)
        height = size * 0.3528 * 1.35
        pdf.set_xy(x, y)
        pdf.cell(width, height, text, align=align)
        return y + height

    def block(self, text: str, y: float, size: float, bold: bool = False, width: float = 240,
              max_lines: int = 2) -> float:
        """A centred paragraph of up to max_lines lines; return the y below it."""
        pdf = self.pdf
        self._shape(text)
        style = "B" if bold else ""
        pdf.set_font("sans", style, size)
        lines = self._wrap(text, width)
        while len(lines) > max_lines and size > 9:
            size -= 1
            pdf.set_font("sans", style, size)
            lines = self._wrap(text, width)
        for line in lines:
            y = self.line(line, y, size, bold=bold, x=(PAGE_W - width) / 2, width=width)
        return y

    def _wrap(self, text: str, width: float) -> list[str]:
        # Words in logical order; each line is then laid out (and reordered) by fpdf2's bidi.
        lines: list[str] = []
        current = ""
        for word in text.split():
            candidate = f"{current} {word}" if current else word
            if current and self.pdf.get_string_width(candidate) > width:
                lines.append(current)
                current = word
            else:
                current = candidate
        return [*lines, current] if current else lines


@dataclass(frozen=True)
class Document:
    """A certificate ready to draw: plain, translated text (drawing needs no app context)."""

    main: Side
    other: Side | None
    name_native: str
    name_latin: str
    serial: str
    url: str
    qr: str


def document(cert: Certificate, lang: str, second: str | None, qr: str) -> Document:
    """Translate and format a certificate in lang (with `second` beside it)."""
    return Document(
        main=_side(cert, lang),
        other=_side(cert, second) if second and second != lang else None,
        name_native=cert.name_native, name_latin=cert.name_latin, serial=cert.serial,
        url=verify_url(cert.serial), qr=qr,
    )


def render(cert: Certificate, lang: str, second: str | None, qr: str) -> bytes:
    """The certificate as a PDF in lang (with `second` beside it), its QR code holding qr."""
    return draw(document(cert, lang, second, qr))


def draw(doc: Document) -> bytes:
    main, other = doc.main, doc.other
    both = [s for s in (main, other) if s]
    page = _Page([doc.name_native, doc.name_latin, *(t for s in both for t in _texts(s))])
    pdf = page.pdf
    rtl = text_direction(main.lang) == "rtl"

    pdf.set_draw_color(*BLACK)
    pdf.set_line_width(1.2)
    pdf.rect(9, 9, PAGE_W - 18, PAGE_H - 18)
    pdf.set_line_width(0.3)
    pdf.rect(12, 12, PAGE_W - 24, PAGE_H - 24)

    y = page.line(main.institution, 18, 13)
    if other and other.institution != main.institution:
        y = page.line(other.institution, y, 10, color=GREY)
    y = page.line(main.heading.upper(), y + 4, 30, bold=True)
    if other and other.heading != main.heading:
        y = page.line(other.heading.upper(), y, 13, color=GREY)
    y = page.line(_pair(main.certifies, other.certifies if other else None), y + 4, 11, color=GREY)
    y = page.line(doc.name_native, y + 1, 24, bold=True)
    if doc.name_latin and doc.name_latin != doc.name_native:
        y = page.line(doc.name_latin, y, 14)
    y = page.line(_pair(main.completed, other.completed if other else None), y + 3, 11, color=GREY)
    y = page.block(main.title, y + 1, 18, bold=True)
    if other and other.title != main.title:
        y = page.block(other.title, y, 12)

    columns = [
        [(s.version_label, s.version) for s in both],
        [(s.hours_label, s.hours) for s in both],
        [(s.date_label, s.date) for s in both],
    ]
    if main.score is not None:
        columns.append([(s.score_label, s.score or "") for s in both])
    if rtl:
        columns.reverse()
    col_w = 58
    x0 = (PAGE_W - col_w * len(columns)) / 2
    top = max(y + 5, 128)
    for i, column in enumerate(columns):
        x, cy = x0 + i * col_w, top
        (label, value), rest = column[0], column[1:]
        cy = page.line(label, cy, 9, x=x, width=col_w - 4, color=GREY)
        for other_label, _value in rest:
            if other_label != label:
                cy = page.line(other_label, cy, 7.5, x=x, width=col_w - 4, color=GREY)
        cy = page.line(value, cy, 13, bold=True, x=x, width=col_w - 4)
        for _label, other_value in rest:
            if other_value != value:
                cy = page.line(other_value, cy, 9, x=x, width=col_w - 4)

    # The signer on the start side, the QR code on the end side (mirrored right to left).
    qr_size = 38
    qr_x = 22 if rtl else PAGE_W - 22 - qr_size
    qr_y = PAGE_H - 16 - qr_size
    sign_x = PAGE_W - 22 - 80 if rtl else 22
    sy: float = 172
    pdf.set_line_width(0.3)
    pdf.line(sign_x, sy, sign_x + 80, sy)
    sy = page.line(main.signer, sy + 1, 11, bold=True, x=sign_x, width=80)
    sy = page.line(main.signer_title, sy, 9, x=sign_x, width=80)
    if other and (other.signer, other.signer_title) != (main.signer, main.signer_title):
        sy = page.line(other.signer, sy, 8, x=sign_x, width=80, color=GREY)
        page.line(other.signer_title, sy, 8, x=sign_x, width=80, color=GREY)

    mid_x, mid_w = 108, PAGE_W - 2 * 108
    my = page.line(_pair(main.serial_label, other.serial_label if other else None), 172, 8, x=mid_x, width=mid_w, color=GREY)
    my = page.line(doc.serial, my, 12, bold=True, x=mid_x, width=mid_w)
    my = page.line(_pair(main.check_label, other.check_label if other else None), my + 2, 7.5, x=mid_x, width=mid_w, color=GREY)
    page.line(doc.url, my, 7.5, x=mid_x - 10, width=mid_w + 20, color=GREY)

    pdf.image(qr_image(doc.qr), x=qr_x, y=qr_y, w=qr_size, h=qr_size)
    pdf.set_title(f"{main.heading} {doc.serial}")
    pdf.set_lang(main.lang)
    return bytes(pdf.output())


def qr_image(text: str) -> Image.Image:
    """The QR code as a black-and-white image, four pixels per module, no quiet zone."""
    # zxing-cpp encodes in C++ (Reed-Solomon and the mask choice): pure-Python qrcode took
    # 5-9 ms of each certificate's CPU, a seventh of a thousand-certificate zip.
    code = zxingcpp.create_barcode(text.encode("ascii"), zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = code.to_image(scale=4, add_quiet_zones=False)
    height, width = image.shape
    # Greyscale: fpdf2 2.8 embeds 1-bit images with misaligned rows. The image is a buffer
    # (one byte per pixel, row by row), which zxing-cpp 3.1's type stubs do not declare.
    pixels = bytes(memoryview(image))  # type: ignore[arg-type]
    return Image.frombuffer("L", (width, height), pixels, "raw", "L", 0, 1)


def _pair(first: str, second: str | None) -> str:
    return first if not second or second == first else f"{first} · {second}"


def _texts(side: Side) -> list[str]:
    return [
        side.heading, side.certifies, side.completed, side.version_label, side.hours_label,
        side.date_label, side.score_label, side.serial_label, side.check_label, side.title,
        side.institution, side.signer, side.signer_title, side.date, side.score or "",
    ]
