"""The printable classroom script of a scenario as an A4 PDF.

Drawn with fpdf2 and HarfBuzz text shaping, so Arabic joins and runs right to left and
Kazakh and Tajik letters render; fallback fonts let one line mix scripts. Interface
words arrive already translated (Labels); course text is picked in the script language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from lms.catalog.content import ModuleData, scenario_of
from lms.catalog.models import CourseVersion
from lms.i18n import pick, text_direction

FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"
SANS, NASKH = "NotoSans", "NotoNaskhArabic"
INK, MUTED = (27, 31, 36), (85, 93, 102)
BOX = 4.0  # tick box side, mm


@dataclass(frozen=True)
class Labels:
    """Interface words of the script, translated by the caller."""

    briefing: str
    pass_score: str
    role_card: str
    conversation: str
    ending: str
    endings: dict[str, str]
    only_if: str
    observer_checklist: str
    officer_name: str
    date: str
    outcome: str
    passed: str
    yes: str
    no: str
    points: Callable[[int], str]


class _ScriptPDF(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(SANS, size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 6, f"{self.footer_text} · {self.page_no()}", align="C")


class _Writer:
    def __init__(self, pdf: _ScriptPDF, rtl: bool) -> None:
        self.pdf = pdf
        self.rtl = rtl
        self.main = NASKH if rtl else SANS

    def para(self, text: str, size: float = 11, bold: bool = False, indent: float = 0,
             color=INK, gap: float = 1.5) -> None:
        if not text:
            return
        pdf = self.pdf
        pdf.set_font(self.main, "B" if bold else "", size)
        pdf.set_text_color(*color)
        width = pdf.epw - indent
        pdf.set_x(pdf.l_margin if self.rtl else pdf.l_margin + indent)
        pdf.multi_cell(width, size * 0.5, text, align="R" if self.rtl else "L",
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(gap)

    def heading(self, text: str, size: float = 15) -> None:
        if self.pdf.will_page_break(size * 1.5):
            self.pdf.add_page()
        self.pdf.ln(2)
        self.para(text, size=size, bold=True, gap=2.5)

    def tick_row(self, text: str, size: float = 11) -> None:
        """A tick box and its text; the box stands where the line starts (right in Arabic)."""
        pdf = self.pdf
        if pdf.will_page_break(size * 0.5 + 4):
            pdf.add_page()
        top = pdf.get_y()
        x = pdf.w - pdf.r_margin - BOX if self.rtl else pdf.l_margin
        pdf.set_draw_color(*INK)
        pdf.set_line_width(0.3)
        pdf.rect(x, top + 0.8, BOX, BOX)
        self.para(text, size=size, indent=BOX + 3, gap=2.5)


def build_script_pdf(version: CourseVersion, module: ModuleData, lang: str, order: list[str],
                     labels: Labels) -> bytes:
    """The classroom script of the module's scenario in lang: briefing, role cards (one page
    each), the numbered branching conversation and the observer checklist with tick boxes."""
    scenario = scenario_of(module)
    source = version.content["source_language"]

    def t(texts: dict | None) -> str:
        return pick(texts, lang, source).text if texts else ""

    numbers = {node_id: i + 1 for i, node_id in enumerate(order)}
    rtl = text_direction(lang) == "rtl"
    pdf = _ScriptPDF(format="A4", unit="mm")
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font(SANS, "", FONTS / "NotoSans-Regular.ttf")
    pdf.add_font(SANS, "B", FONTS / "NotoSans-Bold.ttf")
    pdf.add_font(NASKH, "", FONTS / "NotoNaskhArabic-Regular.ttf")
    bold_naskh = FONTS / "NotoNaskhArabic-Bold.ttf"
    pdf.add_font(NASKH, "B", bold_naskh if bold_naskh.exists() else FONTS / "NotoNaskhArabic-Regular.ttf")
    pdf.set_fallback_fonts([SANS, NASKH] if rtl else [NASKH], exact_match=False)
    # The paragraph direction is the script's; bidi still orders embedded runs of other scripts.
    pdf.set_text_shaping(True, direction="rtl" if rtl else "ltr")
    title = t(scenario["title"])
    pdf.set_title(title)
    pdf.set_lang(lang)
    pdf.set_creator("lms")
    pdf.footer_text = title
    w = _Writer(pdf, rtl)

    pdf.add_page()
    w.para(title, size=20, bold=True, gap=2)
    w.para(f"{t(version.content['title'])} — {t(module['title'])}", size=10, color=MUTED, gap=4)
    w.heading(labels.briefing)
    w.para(t(scenario["briefing"]))
    w.para(labels.pass_score)

    for role in scenario["roles"].values():
        pdf.add_page()
        w.heading(f"{labels.role_card}: {t(role['name'])}", size=18)
        w.para(t(role.get("card")), size=12)

    pdf.add_page()
    w.heading(labels.conversation, size=18)
    arrow = "«" if rtl else "»"  # points along the line, to the next node
    for node_id in order:
        node = scenario["nodes"][node_id]
        speaker = t(scenario["roles"][node["speaker"]]["name"]) if node["speaker"] else ""
        if pdf.will_page_break(24):
            pdf.add_page()
        w.para(f"{numbers[node_id]}. {speaker}".strip(), size=12, bold=True, gap=1)
        w.para(t(node.get("text")), indent=4, color=MUTED)
        if node.get("ending"):
            w.para(f"{labels.ending}: {labels.endings[node['ending']]}", bold=True, indent=4)
            w.para(t(node.get("debrief")), indent=4)
        else:
            for letter, choice in zip("abcdefghijklmnopqrstuvwxyz", node["choices"], strict=False):
                extra = labels.points(choice.get("score", 0))
                if choice.get("when"):
                    extra += f"; {labels.only_if}"
                w.para(f"{letter}) {t(choice['text'])}  {arrow} {numbers[choice['next']]}  ({extra})",
                       indent=8, gap=0.8)
                w.para(t(choice.get("feedback")), size=9, indent=14, color=MUTED)
        pdf.ln(2)

    pdf.add_page()
    w.heading(labels.observer_checklist, size=18)
    w.para(f"{labels.officer_name} ______________________    {labels.date} ____________", gap=5)
    for item in scenario["observer_checklist"]:
        w.tick_row(t(item["text"]))
    w.heading(labels.outcome, size=13)
    for ending in ("good", "mixed", "poor"):
        w.tick_row(labels.endings[ending])
    w.heading(labels.passed, size=13)
    w.tick_row(labels.yes)
    w.tick_row(labels.no)
    return bytes(pdf.output())
