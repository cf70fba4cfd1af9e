"""Translated names of the fixed choices (roles, genders, services, kinds of institution)."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.extensions import db
from lms.org.models import Country, Gender, Institution, InstitutionKind, Role, Service, User
from lms.org.scope import scope_of

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


def describe_scope(viewer: User, lang: str) -> str:
    """The viewer's scope in words, for pages that search or list people in it."""
    scope = scope_of(viewer)
    if scope.kind == "all":
        return _("every institution")
    if scope.kind == "self":
        return _("your own records")
    words = _place_words(scope.kind, scope.id, lang)
    if scope.extra:
        return _("%(scope)s, and for a period granted by an administrator also %(extra)s", scope=words,
                 extra=", ".join(_place_words(kind, place_id, lang) for kind, place_id in scope.extra))
    return words


def _place_words(kind: str, place_id: int | None, lang: str) -> str:
    if kind == "country":
        country = db.session.get(Country, place_id)
        return _("the institutions of %(country)s", country=country.name(lang) if country else "?")
    inst = db.session.get(Institution, place_id)
    return str(inst.name(lang)) if inst else "?"
