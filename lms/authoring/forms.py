"""Forms of the course editor."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp
from wtforms.widgets import HiddenInput

from lms.i18n import LOCALES

REQUIRED = DataRequired(message=_l("This field is required."))
ID_RULE = Regexp(r"^[a-z0-9][a-z0-9-]*$",
                 message=_l("Use lowercase Latin letters, digits and '-', starting with a letter or digit."))


class NewCourseForm(FlaskForm):
    title = StringField(_l("Title"), validators=[REQUIRED, Length(max=200)])
    lang = SelectField(_l("Source language"), choices=list(LOCALES.items()))
    course_id = StringField(
        _l("Course id"), validators=[REQUIRED, Length(max=80), ID_RULE],
        description=_l("Proposed from the title; it can be changed until the course is first published."),
    )


class FileForm(FlaskForm):
    """One text file of the draft, with the revision the author started from."""

    base = IntegerField(validators=[InputRequired()], widget=HiddenInput())
    text = TextAreaField(_l("Text"))


class UploadForm(FlaskForm):
    base = IntegerField(validators=[InputRequired()], widget=HiddenInput())
    module = SelectField(_l("Module"), choices=[], validate_choice=False)
    image = FileField(_l("Image"), validators=[FileRequired(message=_l("Choose a file."))])


class ImportForm(FlaskForm):
    package = FileField(_l("Course package (zip)"), validators=[FileRequired(message=_l("Choose a file."))])


class PublishForm(FlaskForm):
    base = IntegerField(validators=[InputRequired()], widget=HiddenInput())
    mode = RadioField(_l("What kind of change is this?"), choices=[
        ("correction", _l("A correction: same version, every record stays valid")),
        ("new-version", _l("A new version: records keep the version they were earned on")),
    ], validators=[InputRequired(message=_l("Choose one."))])


class RestoreForm(FlaskForm):
    number = HiddenField()


class EditorForm(FlaskForm):
    personnel_number = StringField(_l("Trainer's personnel number"), validators=[REQUIRED, Length(max=40)])
    action = HiddenField(default="add")
