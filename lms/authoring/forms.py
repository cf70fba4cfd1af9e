"""Forms of the course editor."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FloatField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from lms.core.forms import REQUIRED
from lms.i18n import LOCALES, RTL_LANGUAGES

ID_RULE = Regexp(r"^[a-z0-9][a-z0-9-]*$",
                 message=_l("Use lowercase Latin letters, digits and '-', starting with a letter or digit."))


class NewCourseForm(FlaskForm):
    title = StringField(_l("Title"), validators=[REQUIRED, Length(max=200)])
    lang = SelectField(_l("Source language"), choices=list(LOCALES.items()))
    course_id = StringField(
        _l("Course id"), validators=[Optional(), Length(max=80), ID_RULE],
        description=_l("Leave empty to take one from the title."),
    )


class FileForm(FlaskForm):
    """One text file of the draft, with the revision the author started from."""

    base = IntegerField(validators=[InputRequired()], widget=HiddenInput())
    text = TextAreaField(_l("Text"))
    minor = BooleanField(_l("Minor edit (a typo or layout): translations stay valid"))


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


class ModuleAddForm(FlaskForm):
    base = IntegerField(validators=[InputRequired()], widget=HiddenInput())
    title = StringField(_l("Module title"), validators=[REQUIRED, Length(max=200)])
    kind = SelectField(_l("Kind"), choices=[
        ("lesson", _l("Lesson")), ("scenario", _l("Role-play")), ("assessment", _l("Final assessment")),
    ])
    module_id = StringField(_l("Module id"), validators=[Optional(), Length(max=80), ID_RULE],
                            description=_l("Leave empty to take one from the title."))


class ModuleActionForm(FlaskForm):
    base = IntegerField(validators=[InputRequired()], widget=HiddenInput())
    module_id = HiddenField(validators=[REQUIRED])
    action = HiddenField(validators=[REQUIRED])


def course_settings_form(languages: list[str], modules: list[str], **data):
    """The course's fields, with a title and summary for every language offered."""

    class CourseSettingsForm(FlaskForm):
        base = IntegerField(validators=[InputRequired()], widget=HiddenInput())
        source_language = SelectField(_l("Source language"), choices=[(c, LOCALES.get(c, c)) for c in languages])
        languages_ = SelectMultipleField(
            _l("Languages offered"), choices=[(c, LOCALES.get(c, c)) for c in languages],
            widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        )
        audience = SelectMultipleField(
            _l("Audience"), choices=[("prison", _l("Prison service")), ("probation", _l("Probation service"))],
            widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        )
        estimated_minutes = IntegerField(_l("Estimated time (minutes)"), validators=[
            InputRequired(message=_l("Enter a whole number.")), NumberRange(min=0, max=100000)])
        pass_mark = IntegerField(_l("Pass mark (%)"), validators=[
            InputRequired(message=_l("Enter a whole number.")), NumberRange(min=0, max=100)])
        certificate_enabled = BooleanField(_l("Certificate on completion"))
        certificate_hours = FloatField(_l("Training hours on the certificate"), validators=[
            InputRequired(message=_l("Enter a number.")), NumberRange(min=0, max=1000)])
        pre_test = SelectField(_l("Pre-test module"), choices=[("", "—")] + [(m, m) for m in modules])
        on_new_version = RadioField(_l("When a new version is published, officers in the middle of the course"),
                                    choices=[
            ("move_on", _l("move on to the new version, keeping the modules they completed")),
            ("finish", _l("finish on the version they started")),
        ], default="move_on")

    for code in languages:
        kw = {"lang": code, "dir": "rtl" if code in RTL_LANGUAGES else "ltr"}
        setattr(CourseSettingsForm, f"title_{code}", StringField(
            _l("Title"), validators=[Optional(), Length(max=300)], description=LOCALES.get(code, code), render_kw=kw))
        setattr(CourseSettingsForm, f"summary_{code}", TextAreaField(
            _l("Summary"), validators=[Optional(), Length(max=5000)], description=LOCALES.get(code, code),
            render_kw=dict(kw, rows=3)))
    return CourseSettingsForm(**data)


class RenameForm(FlaskForm):
    base = IntegerField(validators=[InputRequired()], widget=HiddenInput())
    course_id = StringField(
        _l("Course id"), validators=[REQUIRED, Length(max=80), ID_RULE],
        description=_l("It can be changed until the course is first published; after that it never changes."),
    )
