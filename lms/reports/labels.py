"""Translated names of report statuses, timeline entries and question flags."""

from flask_babel import lazy_gettext as _l
from flask_babel import pgettext

from lms.reports.queries import COMPLETE, IN_PROGRESS, NOT_STARTED, OVERDUE

STATUS_LABELS = {
    # Translators: an enrolment whose course has been completed (adjective).
    COMPLETE: _l("Complete"),
    IN_PROGRESS: _l("In progress"),
    OVERDUE: _l("Overdue"),
    NOT_STARTED: _l("Not started"),
}

FLAG_LABELS = {
    "hard": _l("Nearly everyone fails"),
    "easy": _l("Nearly everyone passes"),
}


def timeline_kind(kind: str) -> str:
    """The name of a kind of timeline entry, in the current language."""
    names = {
        # Translators: a training record entry: the officer was enrolled in a course.
        "enrolled": pgettext("timeline", "Enrolled"),
        "pre_test": pgettext("timeline", "Pre-test"),
        "quiz": pgettext("timeline", "Quiz attempt"),
        "scenario": pgettext("timeline", "Role-play run"),
        "classroom": pgettext("timeline", "Classroom session"),
        "completed": pgettext("timeline", "Course completed"),
        "certificate": pgettext("timeline", "Certificate"),
    }
    return names[kind]
