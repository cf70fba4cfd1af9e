from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from lms.org import emails


class LoginForm(FlaskForm):
    personnel_number = StringField(
        _l("Personnel number"),
        validators=[DataRequired(message=_l("Enter your personnel number.")), Length(max=40)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "dir": "ltr"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Enter your password.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Enter your current password.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(message=_l("Enter a new password.")), Length(max=200)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("new_password", message=_l("The two new passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class EmailForm(FlaskForm):
    email = StringField(
        _l("E-mail address for reminders (optional)"), validators=[emails.check],
        render_kw={"autocomplete": "email", "dir": "ltr", "inputmode": "email"},
    )
