from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.bounds import sensible_date


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AssignForm(FlaskForm):
    officers = MultiCheckboxField(_l("Officers"), coerce=int, validators=[Optional()])
    cohort_id = SelectField(_l("Or a whole cohort"), coerce=int, validators=[Optional()])
    due_on = DateField(_l("Due date"), validators=[Optional(), sensible_date])


class AssignmentsForm(FlaskForm):
    """Change several assignments at once: a new due date, or unassign."""

    chosen = MultiCheckboxField(_l("Officers"), coerce=int, validators=[Optional()])
    due_on = DateField(_l("New due date"), validators=[Optional(), sensible_date])
