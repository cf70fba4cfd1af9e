"""Translated names of the fixed choices (roles, genders, services, kinds of institution)."""

from flask_babel import lazy_gettext as _l

from lms.org.models import Gender, InstitutionKind, Role, Service

ROLE_LABELS = {
    Role.OFFICER: _l("Officer"),
    Role.TRAINER: _l("Trainer"),
    Role.MANAGER: _l("Manager"),
    Role.ADMIN: _l("Administrator"),
}
GENDER_LABELS = {Gender.FEMALE: _l("Female"), Gender.MALE: _l("Male")}
SERVICE_LABELS = {Service.PRISON: _l("Prison service"), Service.PROBATION: _l("Probation service")}
KIND_LABELS = {
    InstitutionKind.ACADEMY: _l("Training academy"),
    InstitutionKind.PRISON: _l("Prison"),
    InstitutionKind.PROBATION_OFFICE: _l("Probation office"),
    InstitutionKind.HEADQUARTERS: _l("Headquarters"),
}


def choices(labels: dict) -> list[tuple[str, str]]:
    return [(key.value, str(label)) for key, label in labels.items()]
