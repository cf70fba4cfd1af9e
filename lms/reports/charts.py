"""Charts drawn on the server as inline SVG: no JavaScript, no request to any other host.

Each chart is an image with a title and a description (role="img"), and sits next to a
table with the same numbers, which is what screen readers and printers rely on. Colours
come from presentation attributes (the page's CSP forbids inline styles) and are the
Okabe-Ito palette, told apart by people with the common colour-vision deficiencies.
In right-to-left pages the drawing is mirrored: labels on the right, bars growing left.

Labels never overlap: their width is estimated generously (CHAR_WIDTH per character, wide
enough for Cyrillic capitals), long labels are shortened with the full text kept as a
tooltip and in the table, tick labels are thinned when they would touch, and the legend
wraps onto more rows. The drawing scales with the page (viewBox), so what holds at one
width holds at every width.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from lms.i18n import own_direction

INK = "#1b1f24"
GRID = "#c9d0d8"
STATUS_COLOURS = {
    "complete": "#009E73",
    "in_progress": "#56B4E9",
    "overdue": "#D55E00",
    "not_started": "#BBBBBB",
}
COLUMN_COLOUR = "#0072B2"
WIDTH = 640
LABEL_WIDTH = 190
ROW = 22
GAP = 8
FONT = 12
CHAR_WIDTH = 0.68 * FONT  # an upper bound of the average glyph width in these fonts


def text_width(text: str) -> float:
    """A generous estimate of the drawn width of a label."""
    return len(text) * CHAR_WIDTH


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fit(text: str, width: float) -> str:
    """The label shortened (with an ellipsis) to fit within width."""
    return _short(text, max(3, int(width // CHAR_WIDTH)))


class _Canvas:
    def __init__(self, chart_id: str, title: str, description: str, height: int, rtl: bool) -> None:
        self.rtl = rtl
        self.parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" '
            f'width="{WIDTH}" height="{height}" role="img" '
            f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-size="{FONT}">',
            f'<title id="{chart_id}-title">{escape(title)}</title>',
            f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        ]

    def x(self, x: float, w: float = 0) -> float:
        return WIDTH - x - w if self.rtl else x

    def rect(self, x: float, y: float, w: float, h: float, fill: str, tip: str = "") -> None:
        tip_el = f"<title>{escape(tip)}</title>" if tip else ""
        self.parts.append(
            f'<rect x="{self.x(x, w):.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{fill}">'
            f"{tip_el}</rect>"
        )

    def text(self, x: float, y: float, text: str, anchor: str = "start", fill: str = INK, full: str = "") -> None:
        if self.rtl:
            anchor = {"start": "end", "end": "start"}.get(anchor, anchor)
        tip = f"<title>{escape(full)}</title>" if full and full != text else ""
        label = escape(text)
        own = own_direction(text)
        if own and own != ("rtl" if self.rtl else "ltr"):
            # A label in another script (a Cyrillic institution on an Arabic chart) keeps its own
            # direction and punctuation: an embedding, as SVG text knows no <bdi>.
            label = Markup('<tspan direction="{}" unicode-bidi="embed">{}</tspan>').format(own, label)
        self.parts.append(
            f'<text x="{self.x(x):.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}">{tip}{label}</text>'
        )

    def line(self, x1: float, y1: float, x2: float, y2: float) -> None:
        self.parts.append(
            f'<line x1="{self.x(x1):.1f}" y1="{y1:.1f}" x2="{self.x(x2):.1f}" y2="{y2:.1f}" stroke="{GRID}"/>'
        )

    def markup(self) -> Markup:
        return Markup("".join([*self.parts, "</svg>"]))  # noqa: S704 (every text is escaped above)


def stacked_bars(
    chart_id: str,
    title: str,
    description: str,
    rows: Sequence[tuple[str, Sequence[int]]],
    series: Sequence[tuple[str, str]],
    rtl: bool = False,
    fmt: Callable[[int], str] = str,
) -> Markup:
    """Horizontal bars, one per row, split into the series (name, colour); totals at the end."""
    # Legend: as many rows as it needs, each entry whole.
    places, x, line = [], 0.0, 0
    for name, _colour in series:
        w = 16 + text_width(name) + 14
        if x and x + w > WIDTH:
            x, line = 0.0, line + 1
        places.append((x, line))
        x += w
    legend_h = (line + 1) * (ROW - 2) + GAP
    height = legend_h + max(1, len(rows)) * (ROW + GAP) + GAP
    canvas = _Canvas(chart_id, title, description, height, rtl)
    for (name, colour), (x, line) in zip(series, places, strict=True):
        y = line * (ROW - 2)
        canvas.rect(x, y + 4, 12, 12, colour)
        canvas.text(x + 16, y + 14, _fit(name, WIDTH - x - 16), full=name)
    most = max((sum(values) for _label, values in rows), default=0) or 1
    area = WIDTH - LABEL_WIDTH - 60
    for i, (label, values) in enumerate(rows):
        y = legend_h + i * (ROW + GAP)
        canvas.text(LABEL_WIDTH - 6, y + ROW * 0.7, _fit(label, LABEL_WIDTH - 8), anchor="end", full=label)
        x = float(LABEL_WIDTH)
        for (name, colour), value in zip(series, values, strict=True):
            if value:
                w = area * value / most
                canvas.rect(x, y, w, ROW, colour, f"{label}: {name} {fmt(value)}")
                x += w
        canvas.text(x + 4, y + ROW * 0.7, fmt(sum(values)))
    return canvas.markup()


def columns(
    chart_id: str,
    title: str,
    description: str,
    points: Sequence[tuple[str, int]],
    rtl: bool = False,
    fmt: Callable[[int], str] = str,
) -> Markup:
    """Vertical columns in order (time runs with the reading direction), values on top."""
    height = 220
    base = height - 34
    top = 18
    canvas = _Canvas(chart_id, title, description, height, rtl)
    canvas.line(0, base, WIDTH, base)
    most = max((v for _label, v in points), default=0) or 1
    slot = WIDTH / max(1, len(points))
    # Thin the tick labels so that neighbours never touch: every step-th label is drawn.
    widest = max((text_width(label) for label, _v in points), default=0)
    step = max(1, math.ceil((widest + 6) / slot))
    value_step = max(1, math.ceil((max((text_width(fmt(v)) for _l, v in points), default=0) + 4) / slot))
    for i, (label, value) in enumerate(points):
        h = (base - top) * value / most
        x = i * slot + slot * 0.15
        w = slot * 0.7
        if value:
            canvas.rect(x, base - h, w, h, COLUMN_COLOUR, f"{label}: {fmt(value)}")
        if i % value_step == 0 or value_step == 1:
            canvas.text(x + w / 2, base - h - 4, fmt(value), anchor="middle")
        if i % step == 0:
            canvas.text(x + w / 2, base + 16, _fit(label, step * slot - 6), anchor="middle", full=label)
    return canvas.markup()
