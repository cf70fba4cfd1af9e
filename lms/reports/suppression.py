"""Small-group suppression for shareable reports, primary and complementary.

A count below the threshold is hidden (primary suppression). That alone is not enough:
a total printed next to its parts gives a hidden part away by subtraction (a country's
total minus its other courses; all countries minus the others). So every additive relation
in the table (a total and its parts, and trained = women + men within a line) is checked,
and while any relation has exactly one hidden cell, one more cell of it is hidden too, the
smallest (complementary suppression). No relation is then left with a single unknown.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

TRAINED, WOMEN, MEN, COMPLETIONS = "trained", "women", "men", "completions"
MEASURES = (TRAINED, WOMEN, MEN, COMPLETIONS)
PRIMARY, COMPLEMENTARY = "primary", "complementary"


@dataclass(frozen=True)
class Counts:
    trained: int
    women: int
    completions: int

    @property
    def men(self) -> int:
        return self.trained - self.women

    def of(self, measure: str) -> int:
        return getattr(self, measure)


def protect(
    lines: Mapping[Hashable, Counts],
    relations: Sequence[tuple[Hashable, Sequence[Hashable]]],
    threshold: int,
) -> dict[tuple[Hashable, str], str]:
    """Which cells to hide, and why: {(line, measure): PRIMARY | COMPLEMENTARY}.

    relations: (total line, its part lines). Men are never printed, but trained minus
    women gives them: a line's men are known exactly when its trained and women are shown.
    """
    hidden: dict[tuple[Hashable, str], str] = {}
    for line, counts in lines.items():
        for measure in (TRAINED, WOMEN, COMPLETIONS):
            if counts.of(measure) < threshold:
                hidden[(line, measure)] = PRIMARY

    def shown(line: Hashable, measure: str) -> bool:
        if measure == MEN:
            return shown(line, TRAINED) and shown(line, WOMEN)
        return (line, measure) not in hidden

    def hide(line: Hashable, measure: str) -> None:
        # Men are hidden by hiding women (which also hides the share of women).
        hidden.setdefault((line, WOMEN if measure == MEN else measure), COMPLEMENTARY)

    changed = True
    while changed:  # each pass hides at least one more cell, or ends: at most 3 × lines passes
        before = len(hidden)
        for line, counts in lines.items():
            # Few men: shown women would give them away (trained − women).
            if counts.men < threshold and shown(line, MEN):
                hide(line, MEN)
            # On a course line the trained officers and the completions are the same people:
            # one of the two shown would reveal the other.
            if shown(line, TRAINED) != shown(line, COMPLETIONS):
                hide(line, TRAINED)
                hide(line, COMPLETIONS)
        for total, parts in relations:
            for measure in MEASURES:
                cells = [total, *parts]
                unknown = [c for c in cells if not shown(c, measure)]
                if len(unknown) != 1:
                    continue
                candidates = [p for p in parts if shown(p, measure)]
                pick = min(candidates, key=lambda p: lines[p].of(measure)) if candidates else total
                hide(pick, measure)
        changed = len(hidden) > before
    return hidden


SUPPRESSED = None  # a count or share hidden so that a small group cannot be worked out


@dataclass
class SharedLine:
    """A summary line as it may be shared: "<N" for a small group, SUPPRESSED for a cell
    hidden so that a small group cannot be worked out from it."""

    trained: int | str | None
    women: int | str | None
    share_women: float | None
    completions: int | str | None


def shared_lines(
    lines: Mapping[Hashable, Counts],
    relations: Sequence[tuple[Hashable, Sequence[Hashable]]],
    threshold: int,
) -> dict[Hashable, SharedLine]:
    """Every line of a table as it may be shared."""
    hidden = protect(lines, relations, threshold)

    def cell(line: Hashable, measure: str) -> int | str | None:
        why = hidden.get((line, measure))
        if why == PRIMARY:
            return f"<{threshold}"
        return SUPPRESSED if why == COMPLEMENTARY else lines[line].of(measure)

    out = {}
    for line, counts in lines.items():
        both = (line, TRAINED) not in hidden and (line, WOMEN) not in hidden
        share = counts.women / counts.trained if both and counts.trained else None
        out[line] = SharedLine(cell(line, TRAINED), cell(line, WOMEN), share, cell(line, COMPLETIONS))
    return out
