"""Charts drawn on the server as inline SVG: no JavaScript, no request to any other host.

Each chart is an image with a title and a description (role="img"), and sits next to a
table with the same numbers, which is what screen readers and printers rely on. Colours
come from presentation attributes (the page's CSP forbids inline styles) and are the
Okabe-Ito palette, told apart by people with the common colour-vision deficiencies.
In right-to-left pages the drawing is mirrored: labels on the right, bars growing left.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

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


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


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

    def text(self, x: float, y: float, text: str, anchor: str = "start", fill: str = INK) -> None:
        if self.rtl:
            anchor = {"start": "end", "end": "start"}.get(anchor, anchor)
        self.parts.append(
            f'<text x="{self.x(x):.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}">{escape(text)}</text>'
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
    legend_h = ROW + GAP
    height = legend_h + max(1, len(rows)) * (ROW + GAP) + GAP
    canvas = _Canvas(chart_id, title, description, height, rtl)
    # Legend.
    x = 0.0
    for name, colour in series:
        canvas.rect(x, 4, 12, 12, colour)
        canvas.text(x + 16, 14, name)
        x += 22 + 7 * len(name)
    most = max((sum(values) for _label, values in rows), default=0) or 1
    area = WIDTH - LABEL_WIDTH - 60
    for i, (label, values) in enumerate(rows):
        y = legend_h + i * (ROW + GAP)
        canvas.text(LABEL_WIDTH - 6, y + ROW * 0.7, _short(label), anchor="end")
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
    for i, (label, value) in enumerate(points):
        h = (base - top) * value / most
        x = i * slot + slot * 0.15
        w = slot * 0.7
        if value:
            canvas.rect(x, base - h, w, h, COLUMN_COLOUR, f"{label}: {fmt(value)}")
        canvas.text(x + w / 2, base - h - 4, fmt(value), anchor="middle")
        canvas.text(x + w / 2, base + 16, _short(label, 10), anchor="middle")
    return canvas.markup()
