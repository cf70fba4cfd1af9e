from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, Form, SelectField, StringField
from wtforms.fields import DateField
from wtforms.validators import Length, Optional, Regexp, ValidationError

from lms.bounds import clean_line, sensible_date
from lms.core.forms import REQUIRED
from lms.i18n import LOCALES, text_direction
from lms.org import emails, personnel
from lms.timeutil import today


def _names(prefix: str, label, required: bool = True):
    """One text field per interface language, for names kept in every language."""
    return {
        f"{prefix}_{code}": StringField(
            label,
            validators=[REQUIRED if required and code == "en" else Optional(), Length(max=200)],
            filters=[clean_line],
            description=name, render_kw={"lang": code, "dir": text_direction(code)},
        )
        for code, name in LOCALES.items()
    }


class CountryForm(FlaskForm):
    code = StringField(
        _l("Country code"),
        validators=[REQUIRED, Regexp(r"^[A-Z]{2}$", message=_l("Two capital letters, for example KZ."))],
        description=_l("ISO 3166 two-letter code"),
    )


for _name, _field in _names("name", _l("Name")).items():
    setattr(CountryForm, _name, _field)


class InstitutionForm(FlaskForm):
    country_id = SelectField(_l("Country"), coerce=int, validators=[REQUIRED])
    kind = SelectField(_l("Kind"), validators=[REQUIRED])


for _name, _field in _names("name", _l("Name")).items():
    setattr(InstitutionForm, _name, _field)
for _prefix, _label in (
    ("signer_name", _l("Name of the person who signs certificates")),
    ("signer_title", _l("Title of the person who signs certificates")),
):
    for _name, _field in _names(_prefix, _label, required=False).items():
        setattr(InstitutionForm, _name, _field)


def _well_formed_number(form, field) -> None:
    if (problem := personnel.format_problem(field.data or "")) is not None:
        raise ValidationError(problem)


class UserForm(FlaskForm):
    personnel_number = StringField(
        _l("Personnel number"),
        validators=[REQUIRED, _well_formed_number],
        render_kw={"dir": "ltr"},
    )
    name_native = StringField(_l("Full name (as written in the officer's language)"), validators=[REQUIRED, Length(max=200)], filters=[clean_line])
    name_latin = StringField(_l("Full name in Latin letters"), validators=[REQUIRED, Length(max=200)], filters=[clean_line], render_kw={"dir": "ltr"})
    gender = SelectField(_l("Gender"), validators=[REQUIRED])
    service = SelectField(_l("Service"), validators=[REQUIRED])
    position = SelectField(_l("Position"), coerce=int, validators=[Optional()])
    institution_id = SelectField(_l("Institution"), coerce=int, validators=[REQUIRED])
    email = StringField(_l("E-mail address for reminders (optional)"), validators=[emails.check],
                        render_kw={"dir": "ltr", "inputmode": "email"})
    role = SelectField(_l("Role"), validators=[REQUIRED])
    locale = SelectField(_l("Language"), validators=[Optional()])
    is_active_account = BooleanField(_l("Account is active"), default=True)
    scope_kind = SelectField(_l("Scope"), validators=[Optional()])
    scope_institution_id = SelectField(_l("Scope: institution"), coerce=int, validators=[Optional()])
    scope_country_id = SelectField(_l("Scope: country"), coerce=int, validators=[Optional()])


class ScopeGrantForm(FlaskForm):
    """An extra scope for a trainer, for a period (a regional event)."""

    place = SelectField(_l("Extra country or institution"), validators=[REQUIRED])
    starts_on = DateField(_l("From"), validators=[REQUIRED])
    ends_on = DateField(_l("Until (inclusive)"), validators=[REQUIRED])
    reason = StringField(_l("Reason (for example, the event)"), validators=[Optional(), Length(max=300)])

    def validate_ends_on(self, field) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The period ends before it starts."))
        if field.data and field.data < today():
            raise ValidationError(_l("The period is already over."))
        if field.data and self.starts_on.data and (field.data - self.starts_on.data).days > 366:
            raise ValidationError(_l("Grant an extra scope for at most a year."))


class RosterForm(FlaskForm):
    file = FileField(_l("Roster file (XLSX or CSV)"), validators=[FileRequired(message=_l("Choose a file."))])



class AuditFilterForm(Form):
    """Filters of the audit log (GET, so no CSRF token)."""

    start = DateField(_l("From"), validators=[Optional(), sensible_date])
    end = DateField(_l("Until"), validators=[Optional(), sensible_date])
    actor = StringField(_l("Who (name or personnel number)"), validators=[Optional(), Length(max=100)])
    action = SelectField(_l("Action"), validators=[Optional()])



class PositionForm(FlaskForm):
    country_id = SelectField(_l("Country"), coerce=int, validators=[REQUIRED])


for _name, _field in _names("name", _l("Name"), required=False).items():
    setattr(PositionForm, _name, _field)
