"""Certificate serials: 80 random bits in Crockford base32 plus a Damm check character.

A serial reads `XXXX-XXXX-XXXX-XXXX-C`. The check character comes from the Damm algorithm over
the field GF(32) (x∗y = 2x + y), which catches every single mistyped character and every swap
of two neighbouring characters while keeping the check character in the same alphabet.
Typed input is forgiving: case, O for 0, I or L for 1, dashes and spaces do not matter.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
VALUE = {c: i for i, c in enumerate(ALPHABET)}
DATA_LENGTH = 16  # 16 characters x 5 bits = 80 random bits
LENGTH = DATA_LENGTH + 1
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None, "\u2010": None,
                          "\u2011": None, "\u2013": None, "\t": None})
_POLY = 0b100101  # x^5 + x^2 + 1, primitive over GF(2)


def _times_two(x: int) -> int:
    x <<= 1
    return x ^ _POLY if x & 0b100000 else x


def _damm(values: list[int]) -> int:
    interim = 0
    for value in values:
        interim = _times_two(interim) ^ value
    return interim


def check_character(data: str) -> str:
    """The check character that makes the Damm checksum of data + it zero."""
    return ALPHABET[_times_two(_damm([VALUE[c] for c in data]))]


def new_serial() -> str:
    data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_LENGTH))
    return display(data + check_character(data))


def display(compact: str) -> str:
    """Group a 17-character serial as XXXX-XXXX-XXXX-XXXX-C."""
    return "-".join([compact[i:i + 4] for i in range(0, DATA_LENGTH, 4)] + [compact[DATA_LENGTH:]])


def normalise(text: str) -> str | None:
    """The serial in display form, or None when it is not a well-formed serial."""
    compact = (text or "").strip().upper().translate(_ALIASES)
    if len(compact) != LENGTH or any(c not in VALUE for c in compact):
        return None
    if _damm([VALUE[c] for c in compact]) != 0:
        return None
    return display(compact)
