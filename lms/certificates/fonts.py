"""The fonts certificates are drawn with, shipped in lms/static/fonts (SIL Open Font License).

Noto Sans covers Latin and Cyrillic (Kazakh ә ғ қ ң ө ұ ү һ і, Tajik ғ ӣ қ ӯ ҳ ҷ); Noto Naskh
Arabic covers Arabic script and is the fallback font. The shipped files are subsets of the
Debian `fonts-noto-core` files (only the scripts we print, no hinting) to keep the package
small and rendering fast; rebuild them with
`python -m lms.certificates.fonts /usr/share/fonts/truetype/noto`.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
# family -> {style: file name}
FAMILIES = {
    "sans": {"": "NotoSans-Regular.ttf", "B": "NotoSans-Bold.ttf"},
    "naskh": {"": "NotoNaskhArabic-Regular.ttf", "B": "NotoNaskhArabic-Bold.ttf"},
}

_COMMON = [*range(0x20, 0x7F), 0xA0, 0xAB, 0xBB, 0xD7, *range(0x2000, 0x2070), 0x2116, 0x25CC, 0xFEFF]
_RANGES = {
    "sans": [
        *_COMMON, *range(0xA0, 0x250), 0x259, *range(0x2B0, 0x370),  # Latin, Latin extended, modifiers
        *range(0x400, 0x530),  # Cyrillic and Cyrillic supplement
        *range(0x1E00, 0x1F00), *range(0x20A0, 0x20C0), 0x2122, 0x2212, 0xFFFD,
    ],
    "naskh": [
        *_COMMON, *range(0x600, 0x700), *range(0x750, 0x780), *range(0x8A0, 0x900),
        *range(0xFB50, 0xFE00), *range(0xFE70, 0xFF00),
    ],
}


def font_path(family: str, style: str = "") -> Path:
    return FONT_DIR / FAMILIES[family][style]


@cache
def charset(family: str, style: str = "") -> frozenset[int]:
    """The code points the shipped font has a glyph for."""
    from fontTools.ttLib import TTFont

    with TTFont(font_path(family, style), lazy=True) as font:
        return frozenset(font.getBestCmap())


def needs_arabic(*texts: str) -> bool:
    arabic = charset("naskh")
    latin = charset("sans")
    return any(ord(c) in arabic and ord(c) not in latin for text in texts for c in text)


@cache
def _plain() -> frozenset[int]:
    """Code points drawn right with the font's own glyphs, one after another, left to right:
    the sans font's letters that are neither right-to-left nor combining marks."""
    import unicodedata

    return frozenset(
        c for c in charset("sans")
        if unicodedata.bidirectional(chr(c)) not in ("R", "AL", "AN", "RLE", "RLO", "RLI", "NSM")
        and not unicodedata.combining(chr(c))
    )


def needs_shaping(text: str) -> bool:
    """Whether text needs HarfBuzz: right-to-left letters, combining marks, or the fallback font."""
    plain = _plain()
    return any(ord(c) not in plain for c in text)


def build(source_dir: Path, out_dir: Path = FONT_DIR) -> None:
    """Write the shipped subsets from the full Noto fonts in source_dir."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    out_dir.mkdir(parents=True, exist_ok=True)
    for family, styles in FAMILIES.items():
        for name in styles.values():
            options = subset.Options()
            options.layout_features = ["*"]
            options.name_IDs = ["*"]
            options.name_languages = ["*"]
            options.notdef_outline = True
            options.hinting = False
            font = TTFont(source_dir / name, recalcTimestamp=False)
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=_RANGES[family])
            subsetter.subset(font)
            font.save(out_dir / name)


if __name__ == "__main__":
    build(Path(sys.argv[1]))
