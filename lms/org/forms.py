"""Forms of the people and cohort pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, SelectField, StringField
from wtforms.validators import Length, Optional

from lms.bounds import clean_line
from lms.core.forms import REQUIRED


class CohortForm(FlaskForm):
    name = StringField(_l("Name of the cohort"), validators=[REQUIRED, Length(max=200)], filters=[clean_line])
    institution_id = SelectField(_l("Institution"), coerce=int, validators=[REQUIRED])


class PeopleFilterForm(Form):
    """Filters of an account list (GET)."""

    institution = SelectField(_l("Institution"), coerce=int, default=0, validators=[Optional()])
    role = SelectField(_l("Role"), default="", validators=[Optional()])
    active = SelectField(_l("Status"), default="", validators=[Optional()])
