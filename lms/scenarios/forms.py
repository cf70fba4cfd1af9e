"""Forms of classroom sessions: who is in the session, then what happened."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from lms.bounds import clean_line, sensible_date
from lms.core.forms import REQUIRED
from lms.learning.forms import MultiCheckboxField
from lms.org.models import User
from lms.timeutil import today


class RosterForm(FlaskForm):
    """Step one, sent with GET: a cohort, chosen officers, or both."""

    class Meta:
        csrf = False

    cohort = SelectField(_l("A cohort"), coerce=int, validators=[Optional()])
    officer = MultiCheckboxField(_l("Or chosen officers"), coerce=int, validators=[Optional()])


def ending_choices() -> list[tuple[str, str]]:
    return [("", "—"), ("good", _l("good")), ("mixed", _l("mixed")), ("poor", _l("poor"))]


class ClassroomSessionForm(FlaskForm):
    """Step two: the session, and one group of fields per officer of the roster."""

    held_on = DateField(_l("Date of the session"), validators=[REQUIRED, sensible_date], default=today)
    place = StringField(_l("Place"), validators=[REQUIRED, Length(max=200)], filters=[clean_line])

    roster: list[User] = []

    def validate_held_on(self, field) -> None:
        if field.data and field.data > today():
            raise ValidationError(_l("The date of the session cannot be in the future."))

    def row(self, user: User) -> dict:
        return {part: self[f"{part}_{user.id}"] for part in ("present", "played", "observed", "ending", "passed")}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        present = 0
        for user in self.roster:
            row = self.row(user)
            present += bool(row["present"].data)
            if not row["played"].data:
                continue
            if not row["present"].data:
                row["played"].errors.append(_l("An officer who played must be marked as present."))
            if not row["ending"].data:
                row["ending"].errors.append(_l("Choose how the role-play ended."))
            if row["passed"].data not in ("yes", "no"):
                row["passed"].errors.append(_l("Say whether the officer passed."))
        if not present:
            self.form_errors.append(_l("Mark at least one officer as present."))
        return valid and not self.form_errors and not any(
            f.errors for u in self.roster for f in self.row(u).values()
        )

    def present_users(self) -> list[User]:
        return [u for u in self.roster if self.row(u)["present"].data]

    def outcomes(self) -> list[tuple[User, list[str], str, bool]]:
        """(officer, skills observed, ending, passed) for each officer who played."""
        result = []
        for user in self.roster:
            row = self.row(user)
            if row["played"].data:
                result.append((user, list(row["observed"].data or []), row["ending"].data,
                               row["passed"].data == "yes"))
        return result


class ScheduleForm(FlaskForm):
    """A session planned in advance: its date and place (the officers come from step one)."""

    held_on = DateField(_l("Date of the session"), validators=[REQUIRED])
    place = StringField(_l("Place"), validators=[REQUIRED, Length(max=200)], filters=[clean_line])

    def validate_held_on(self, field) -> None:
        if field.data and field.data < today():
            raise ValidationError(_l("A session is scheduled for today or a later date."))
        if field.data and field.data > today() + timedelta(days=730):
            raise ValidationError(_l("Schedule a session at most two years ahead."))


class CorrectionForm(FlaskForm):
    """A correction of a recorded session: date, place, who was present, and why."""

    held_on = DateField(_l("Date of the session"), validators=[REQUIRED, sensible_date])
    place = StringField(_l("Place"), validators=[REQUIRED, Length(max=200)], filters=[clean_line])
    present = MultiCheckboxField(_l("Present"), coerce=int, validators=[Optional()])
    reason = StringField(_l("Reason for the correction"), validators=[REQUIRED, Length(max=300)],
                         filters=[clean_line])

    def validate_held_on(self, field) -> None:
        if field.data and field.data > today():
            raise ValidationError(_l("The date of the session cannot be in the future."))


def session_form(roster: list[User], checklist: list[tuple[str, str]]) -> ClassroomSessionForm:
    """The session form with fields named after each officer of the roster (never trusted ids)."""

    class Form(ClassroomSessionForm):
        pass

    for user in roster:
        setattr(Form, f"present_{user.id}", BooleanField(_l("Present")))
        setattr(Form, f"played_{user.id}", BooleanField(_l("Played the officer's role")))
        setattr(Form, f"observed_{user.id}", MultiCheckboxField(
            _l("Skills observed"), choices=checklist, validators=[Optional()]))
        setattr(Form, f"ending_{user.id}", SelectField(
            _l("Ending"), choices=ending_choices(), validators=[Optional()]))
        setattr(Form, f"passed_{user.id}", RadioField(
            _l("Passed"), choices=[("yes", _l("Yes")), ("no", _l("No"))], validators=[Optional()]))
    form = Form()
    form.roster = roster
    return form
