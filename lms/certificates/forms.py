from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from lms.core.forms import REQUIRED


class VerifyForm(FlaskForm):
    """The serial typed by anyone checking a certificate (a GET form: nothing is changed)."""

    class Meta:
        csrf = False

    serial = StringField(
        _l("Serial"), validators=[REQUIRED, Length(max=40)],
        description=_l("As printed under the QR code, for example 7K2M-Q9XD-4HTP-WB3E-R."),
        render_kw={"dir": "ltr", "autocomplete": "off", "spellcheck": "false"},
    )


class OfflineVerifyForm(FlaskForm):
    payload = TextAreaField(
        _l("Text of the QR code"), validators=[REQUIRED, Length(max=8000)],
        description=_l("Paste what a QR scanner reads from the certificate: the whole link or the part after #."),
        render_kw={"dir": "ltr", "spellcheck": "false", "rows": 6},
    )


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for revoking"), validators=[REQUIRED, Length(max=500)],
        description=_l("Kept in the audit log. It is not shown on the public verification page."),
        render_kw={"rows": 3},
    )
