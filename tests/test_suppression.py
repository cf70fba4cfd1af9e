"""Small-group suppression cannot be undone by subtraction (issue #19).

An attacker holds every number the shareable summary prints and adds and subtracts along
every relation of the table (a total and its parts; trained = women + men within a line),
again and again until nothing new comes out. No group below the threshold may come out,
over generated populations and on the page, CSV, XLSX and the `lms` command alike.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from lms.reports.suppression import (
    COMPLETIONS,
    MEASURES,
    MEN,
    SUPPRESSED,
    TRAINED,
    WOMEN,
    Counts,
    shared_lines,
)

THRESHOLD = 5


def derivable(
    published: Mapping[tuple[Hashable, str], int],
    relations: Iterable[tuple[Hashable, Sequence[Hashable]]],
    lines: Iterable[Hashable],
) -> dict[tuple[Hashable, str], int]:
    """Everything an attacker works out from published numbers by adding and subtracting
    along the relations, repeated until nothing new comes out (used by the tests)."""
    known = dict(published)
    relations = list(relations)
    lines = list(lines)
    changed = True
    while changed:
        changed = False
        for line in lines:
            t, w, m = (known.get((line, x)) for x in (TRAINED, WOMEN, MEN))
            for measure, value in ((MEN, None if t is None or w is None else t - w),
                                   (WOMEN, None if t is None or m is None else t - m),
                                   (TRAINED, None if w is None or m is None else w + m)):
                if value is not None and (line, measure) not in known:
                    known[(line, measure)] = value
                    changed = True
        for total, parts in relations:
            for measure in MEASURES:
                cells = [total, *parts]
                unknown = [c for c in cells if (c, measure) not in known]
                if len(unknown) != 1:
                    continue
                (cell,) = unknown
                rest = sum(known[(p, measure)] for p in parts if p != cell)
                known[(cell, measure)] = (known[(total, measure)] - rest if cell != total else rest)
                changed = True
    return known


def published_numbers(shared) -> dict[tuple[Hashable, str], int]:
    """What the attacker reads: exact numbers only ("<5" and hidden cells are unknown)."""
    known = {}
    for line, s in shared.items():
        for measure, value in ((TRAINED, s.trained), (WOMEN, s.women), (COMPLETIONS, s.completions)):
            if isinstance(value, int):
                known[(line, measure)] = value
        if s.share_women is not None and isinstance(s.trained, int):
            known[(line, WOMEN)] = round(s.share_women * s.trained)
    return known


def table(population: Mapping[str, Mapping[str, tuple[int, int]]]):
    """Lines and relations of the summary for {country: {course: (women, men)}}, every
    officer completing one course (additive: the attacker's best case)."""
    lines: dict[Hashable, Counts] = {}
    relations = []
    total_w = total_m = 0
    for country, courses in population.items():
        cw = cm = 0
        for course, (w, m) in courses.items():
            lines[("course", country, course)] = Counts(w + m, w, w + m)
            cw, cm = cw + w, cm + m
        lines[("country", country)] = Counts(cw + cm, cw, cw + cm)
        relations.append((("country", country), [("course", country, k) for k in courses]))
        total_w, total_m = total_w + cw, total_m + cm
    lines[("total",)] = Counts(total_w + total_m, total_w, total_w + total_m)
    relations.append((("total",), [("country", c) for c in population]))
    return lines, relations


def assert_no_small_group_derivable(lines, relations, threshold=THRESHOLD):
    shared = shared_lines(lines, relations, threshold)
    known = derivable(published_numbers(shared), relations, lines)
    for (line, measure), value in known.items():
        assert value == lines[line].of(measure), "the attack itself must be sound"
        assert value >= threshold, f"{line} {measure} = {value} worked out by subtraction"
    return shared


counts = st.tuples(st.integers(0, 14), st.integers(0, 14))
populations = st.dictionaries(
    st.sampled_from(["KZ", "KG", "TJ", "IQ"]),
    st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), counts, min_size=1, max_size=4),
    min_size=1, max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(populations)
def test_no_group_below_the_threshold_can_be_worked_out_from_the_summary(population):
    lines, relations = table(population)
    shared = assert_no_small_group_derivable(lines, relations)
    # Suppression hides, it never alters: every number shown is the true one.
    for line, s in shared.items():
        for measure, value in ((TRAINED, s.trained), (WOMEN, s.women), (COMPLETIONS, s.completions)):
            assert value is SUPPRESSED or isinstance(value, str) or value == lines[line].of(measure)


def test_the_attacks_of_the_report_no_longer_work():
    # The penetration test's case: a country's total minus its other course, and all
    # countries minus the other countries, gave the hidden groups.
    population = {"KZ": {"a": (20, 20), "b": (1, 2)}, "KG": {"a": (10, 10)}, "TJ": {"a": (2, 1)}}
    lines, relations = table(population)
    before = {line: (c.trained, c.women, c.completions) for line, c in lines.items()}
    naive = {line: (t if t >= 5 else "<5", w if w >= 5 else "<5", n if n >= 5 else "<5")
             for line, (t, w, n) in before.items()}
    assert naive[("country", "KZ")][0] - naive[("course", "KZ", "a")][0] == 3  # the old leak
    assert_no_small_group_derivable(lines, relations)


def test_a_table_without_small_groups_is_shown_whole():
    lines, relations = table({"KZ": {"a": (20, 20), "b": (6, 7)}, "KG": {"a": (10, 10)}})
    shared = shared_lines(lines, relations, THRESHOLD)
    assert all(isinstance(v, int) for s in shared.values() for v in (s.trained, s.women, s.completions))
    assert MEN in MEASURES
