"""Report filters: GET forms (no CSRF needed, nothing is changed), read from the query string."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import Form, SearchField, SelectField
from wtforms.fields import DateField
from wtforms.validators import Optional

from lms.bounds import sensible_date


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "", "None") else None
    except (TypeError, ValueError):
        return None


class RegisterFilterForm(Form):
    course = SelectField(_l("Course"), validate_choice=False)
    institution = SelectField(_l("Institution"), coerce=_int_or_none, validate_choice=False)
    status = SelectField(_l("Status"), validate_choice=False)
    gender = SelectField(_l("Gender"), validate_choice=False)
    completed_from = DateField(_l("Completed from"), validators=[Optional(), sensible_date])
    completed_to = DateField(_l("Completed until"), validators=[Optional(), sensible_date])
    q = SearchField(_l("Name or personnel number"))


class SummaryForm(Form):
    start = DateField(_l("From"), validators=[Optional(), sensible_date])
    end = DateField(_l("Until"), validators=[Optional(), sensible_date])


class ProgressFilterForm(Form):
    course = SelectField(_l("Course"), validate_choice=False)
    cohort = SelectField(_l("Cohort"), coerce=_int_or_none, validate_choice=False)
    institution = SelectField(_l("Institution"), coerce=_int_or_none, validate_choice=False)


class QuizChoiceForm(Form):
    course = SelectField(_l("Course"), validate_choice=False)
    quiz = SelectField(_l("Quiz"), validate_choice=False)
    cohort = SelectField(_l("Cohort"), coerce=_int_or_none, validate_choice=False)
