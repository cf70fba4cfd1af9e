"""Answers every feature's views share."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import flash, redirect, url_for
from werkzeug.wrappers import Response

if TYPE_CHECKING:
    from lms.learning.course_access import Refusal


def to_course_page(course_id: str, refusal: Refusal) -> Response:
    """Progress cannot be recorded now: say why, on the course page, where the officer can act."""
    flash(refusal.message, refusal.category)
    return redirect(url_for("catalog.course", course_id=course_id) + refusal.anchor)
