"""Per-process caches of what a course version holds, keyed by its content hash.

A version's content never changes under the same content hash (a correction gives it a
new one), so each process may keep its own copy and never ask whether it is stale: a
second app server keeps its own, and nothing here is state another server would need.
Each cache holds a bounded number of entries and starts again empty when full.
"""

from __future__ import annotations

from typing import Any


class Bounded:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.items: dict[Any, Any] = {}

    def get(self, key: Any) -> Any:
        return self.items.get(key)

    def put(self, key: Any, value: Any) -> None:
        if len(self.items) >= self.limit and key not in self.items:
            self.items.clear()
        self.items[key] = value

    def discard(self, key: Any) -> None:
        self.items.pop(key, None)

    def clear(self) -> None:
        self.items.clear()


# Parsed course content by (version row id, content hash).
CONTENT = Bounded(32)
# A version object of its row (catalog/queries.py version_of_row) by the values of the row's columns.
VERSIONS = Bounded(256)
# A version's title map and source language by (version row id, content hash): what the
# reports' course lists show, without reading (and parsing) the whole content on every page.
TITLES = Bounded(1024)
# A lesson page's finished HTML by (version row id, content hash, module, language,
# interface language, media address): rendered and sanitized once per version at load,
# finished for the page once per process.
LESSONS = Bounded(1024)
# A module page's content by (version row id, content hash, module, course language, interface
# language, role, enrolled, progress in the module, script root): everything on it that is
# not the account's own is rendered once per process (catalog/views.py).
MODULE_PAGES = Bounded(2048)
# My learning's content by (interface language, script root, and for each course and notice
# shown every fact it shows: version, modules done and in all, where to continue, dates, overdue,
# who assigned it): two officers in the same state share it, and any change of progress is
# another key (learning/views.py).
MY_LEARNING = Bounded(2048)
# A quiz's questions as attempt page parts by (version row id, content hash, module, interface
# language): an attempt's keys and choices are put in per request (quizzes/attempt_page.py).
QUIZ_PAGES = Bounded(256)
# The rest of a quiz's attempt page by (version row id, content hash, module, interface language,
# attempt number, attempts left after it, confirming, unanswered questions): the form's
# address, CSRF token and questions are put in per request (quizzes/views.py).
ATTEMPT_PAGES = Bounded(1024)
# A role-play step's page by (version row id, content hash, module, interface language, node,
# reply shown with its feedback, its quality), and each reply of the node: the run's order,
# keys, step and CSRF token are put in per request (scenarios/views.py).
ROLE_PLAY_STEPS = Bounded(2048)
