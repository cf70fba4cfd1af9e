"""Form pieces every feature shares."""

from flask_wtf import FlaskForm


class ConfirmForm(FlaskForm):
    """An empty form: a button that carries the CSRF token."""
