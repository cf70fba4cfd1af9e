"""Small factories: make exactly the records a test needs."""

from __future__ import annotations

import itertools

import sqlalchemy as sa

from lms.auth.passwords import hash_password
from lms.extensions import db
from lms.org.models import Country, Gender, Institution, InstitutionKind, Role, Service, User

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)
_hashes: dict[str, str] = {}


def hashed(password: str) -> str:
    """Hash once per password: scrypt is deliberately slow."""
    if password not in _hashes:
        _hashes[password] = hash_password(password)
    return _hashes[password]


def make_country(code: str = "KZ") -> Country:
    country = db.session.scalar(sa.select(Country).where(Country.code == code))
    if country is None:
        country = Country(code=code, names={"en": f"Country {code}", "ru": f"Страна {code}"})
        db.session.add(country)
        db.session.flush()
    return country


def make_institution(country: Country | None = None, kind=InstitutionKind.PRISON, name: str | None = None) -> Institution:
    country = country or make_country()
    n = next(_seq)
    inst = Institution(country_id=country.id, kind=kind, names={"en": name or f"Institution {n}"})
    db.session.add(inst)
    db.session.flush()
    return inst


def make_user(
    role: Role = Role.OFFICER,
    institution: Institution | None = None,
    gender: Gender = Gender.FEMALE,
    service: Service = Service.PRISON,
    number: str | None = None,
    password: str = PASSWORD,
    must_change_password: bool = False,
    scope_institution: Institution | None = None,
    scope_country: Country | None = None,
    locale: str | None = None,
    name: str | None = None,
    position: str = "Inspector",
) -> User:
    institution = institution or make_institution()
    n = next(_seq)
    user = User(
        personnel_number=number or f"{role.value}{n}",
        password_hash=hashed(password),
        name_native=name or f"Имя {n}",
        name_latin=name or f"Name {n}",
        gender=gender, service=service, position=position,
        institution_id=institution.id, role=role, locale=locale,
        must_change_password=must_change_password,
        scope_institution_id=scope_institution.id if scope_institution else None,
        scope_country_id=scope_country.id if scope_country else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


def login(client, user_or_number, password: str = PASSWORD):
    number = user_or_number if isinstance(user_or_number, str) else user_or_number.personnel_number
    return client.post("/login", data={"personnel_number": number, "password": password})
