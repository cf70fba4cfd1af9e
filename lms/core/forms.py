"""Form pieces every feature shares."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import DataRequired

# A required field's message, the same on every form.
REQUIRED = DataRequired(message=_l("This field is required."))


class ConfirmForm(FlaskForm):
    """An empty form: a button that carries the CSRF token."""
