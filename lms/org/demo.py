"""Demo data for a first look: one country, an academy, a prison and one account per role."""

from __future__ import annotations

import json
import os
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from lms.auth.passwords import one_time_password, set_password
from lms.extensions import db
from lms.org import personnel
from lms.org.models import (
    Country,
    Gender,
    Institution,
    InstitutionKind,
    Position,
    Role,
    Service,
    User,
)

KZ_NAMES = {"en": "Kazakhstan", "ru": "Казахстан", "kk": "Қазақстан", "tg": "Қазоқистон", "ar": "كازاخستان"}
ACADEMY_NAMES = {
    "en": "Penitentiary Training Academy",
    "ru": "Учебная академия уголовно-исполнительной системы",
    "kk": "Қылмыстық-атқару жүйесінің оқу академиясы",
    "tg": "Академияи таълимии низоми иҷрои ҷазои ҷиноӣ",
    "ar": "أكاديمية تدريب موظفي السجون",
}
PRISON_NAMES = {
    "en": "Correctional Institution No. 1",
    "ru": "Исправительное учреждение № 1",
    "kk": "№ 1 түзеу мекемесі",
    "tg": "Муассисаи ислоҳии № 1",
    "ar": "المؤسسة الإصلاحية رقم 1",
}
DEMO_ACCOUNTS = [
    # personnel number, native name, Latin name, gender, role, institution key, position
    ("officer", "Айгүл Серікқызы", "Aigul Serikkyzy", Gender.FEMALE, Role.OFFICER, "prison", "Senior inspector"),
    ("graduate", "Бақытжан Әлиев", "Bakytzhan Aliyev", Gender.MALE, Role.OFFICER, "prison", "Inspector"),
    ("trainer", "Ерлан Жұмабаев", "Yerlan Zhumabayev", Gender.MALE, Role.TRAINER, "academy", "Lecturer"),
    ("manager", "Динара Омарова", "Dinara Omarova", Gender.FEMALE, Role.MANAGER, "academy", "Head of training"),
    ("admin", "Администратор", "Administrator", Gender.MALE, Role.ADMIN, "academy", "System administrator"),
]


DEMO_POSITIONS = {
    "Senior inspector": {"en": "Senior inspector", "ru": "Старший инспектор", "kk": "Аға инспектор",
                         "tg": "Нозири калон", "ar": "مفتش أول"},
    "Inspector": {"en": "Inspector", "ru": "Инспектор", "kk": "Инспектор", "tg": "Нозир", "ar": "مفتش"},
    "Lecturer": {"en": "Lecturer", "ru": "Преподаватель", "kk": "Оқытушы", "tg": "Омӯзгор", "ar": "محاضر"},
    "Head of training": {"en": "Head of training", "ru": "Начальник учебного отдела", "kk": "Оқу бөлімінің бастығы",
                         "tg": "Сардори шӯъбаи таълим", "ar": "رئيس قسم التدريب"},
    "System administrator": {"en": "System administrator", "ru": "Системный администратор",
                             "kk": "Жүйе әкімшісі", "tg": "Администратори система", "ar": "مسؤول النظام"},
}


def ensure_demo() -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    """Create what is missing of the demo data (the caller commits, then `keep_passwords`).
    Return (number, role, password) per account, and the passwords to keep by number."""
    kz = db.session.scalar(sa.select(Country).where(Country.code == "KZ"))
    if kz is None:
        kz = Country(code="KZ", names=KZ_NAMES)
        db.session.add(kz)
        db.session.flush()
    places = {}
    for key, kind, names in (
        ("academy", InstitutionKind.ACADEMY, ACADEMY_NAMES),
        ("prison", InstitutionKind.PRISON, PRISON_NAMES),
    ):
        inst = db.session.scalar(
            sa.select(Institution).where(
                Institution.country_id == kz.id, Institution.kind == kind
            ).order_by(Institution.id)
        )
        if inst is None:
            inst = Institution(
                country_id=kz.id, kind=kind, names=names,
                signer_names={"en": "Marat Akhmetov", "ru": "Марат Ахметов", "kk": "Марат Ахметов",
                              "tg": "Марат Ахметов", "ar": "مارات أحمدوف"},
                signer_titles={"en": "Rector", "ru": "Ректор", "kk": "Ректор", "tg": "Ректор", "ar": "رئيس الأكاديمية"},
            )
            db.session.add(inst)
            db.session.flush()
        places[key] = inst

    for key, names in DEMO_POSITIONS.items():
        if db.session.scalar(sa.select(Position).where(Position.country_id == kz.id, Position.key == key)) is None:
            db.session.add(Position(country_id=kz.id, key=key, names=names))
    store = _store()
    known = json.loads(store.read_text()) if store.exists() else {}
    result = []
    for number, native, latin, gender, role, place, position in DEMO_ACCOUNTS:
        user = personnel.find(number)
        if user is None:
            password = one_time_password()
            user = User(
                personnel_number=number,
                name_native=native, name_latin=latin, gender=gender, service=Service.PRISON,
                position=position, institution_id=places[place].id, role=role,
                scope_country_id=kz.id if role == Role.MANAGER else None,
            )
            # Demo passwords are printed, not handed over once: no change asked at sign-in.
            set_password(user, password, one_time=False)
            db.session.add(user)
            known[number] = password
        result.append((number, role.value, known.get(number, "(changed by its owner)")))
    db.session.flush()
    from lms.learning.demo import demo_graduate

    demo_graduate(places)
    return result, known


def _store() -> Path:
    return Path(current_app.instance_path) / "demo-accounts.json"


def keep_passwords(known: dict[str, str]) -> None:
    """Keep the demo passwords in the instance folder, readable by its owner only."""
    fd = os.open(_store(), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # the mode above applies only to a new file: passwords stay private
    with os.fdopen(fd, "w") as fh:
        json.dump(known, fh)
