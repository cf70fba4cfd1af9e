"""The search key of a person: one folded form of names and personnel number.

SQLite's LOWER() folds only ASCII letters, so "Әсел" and "әсел" differ there while
PostgreSQL finds both. Searching a stored, folded key instead makes both databases answer
alike for every script. Folding also treats the letters officers type interchangeably as
one: Kazakh and Tajik letters and their Russian look-alikes (ә/а, қ/к, ұ/ү/у, ӣ/и, ҷ/ч…),
ё and е, and the Arabic letter forms that keyboards vary (أ إ آ ا, ى ي, ة ه) without
their short-vowel marks.
"""

from __future__ import annotations

import unicodedata

# Applied after casefold(), so lower-case letters only.
_LOOKALIKES = str.maketrans({
    # Kazakh
    "ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х", "і": "и",
    # Tajik (ғ, қ shared with Kazakh)
    "ӣ": "и", "ӯ": "у", "ҳ": "х", "ҷ": "ч",
    # Russian
    "ё": "е", "й": "и",
    # Arabic letter variants
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي",
    # Persian/Kurdish keyboard forms of Arabic letters
    "ی": "ي", "ک": "ك",
})


def fold(text: str) -> str:
    """The form in which names and numbers are compared: case, script variants and marks folded."""
    text = unicodedata.normalize("NFKD", text.strip()).casefold()
    # Drop combining marks (Arabic short vowels, accents) after decomposition.
    text = "".join(ch for ch in text if not unicodedata.combining(ch) and ch != "\u0640")
    text = unicodedata.normalize("NFC", text).translate(_LOOKALIKES)
    return " ".join(text.split())


def search_key(*parts: str | None) -> str:
    """The stored key of a person: every searchable field, folded, one per line."""
    return "\n".join(fold(p or "") for p in parts)
