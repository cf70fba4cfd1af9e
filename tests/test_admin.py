import re

import sqlalchemy as sa

from lms.extensions import db
from lms.org.models import AuditEvent, Country, Institution, Role, User
from tests.factories import PASSWORD, login, make_country, make_institution, make_user


def _admin(client):
    admin = make_user(role=Role.ADMIN, number="root1")
    db.session.commit()
    login(client, admin)
    return admin


def test_admin_adds_a_country_and_an_institution_with_names_in_every_language(client, ctx):
    _admin(client)
    r = client.post("/admin/countries/new", data={"code": "TJ", "name_en": "Tajikistan", "name_tg": "Тоҷикистон",
                                                   "name_ru": "Таджикистан", "name_kk": "", "name_ar": "طاجيكستان"})
    assert r.status_code == 302
    tj = db.session.scalar(sa.select(Country).where(Country.code == "TJ"))
    assert tj.names == {"en": "Tajikistan", "tg": "Тоҷикистон", "ru": "Таджикистан", "ar": "طاجيكستان"}
    dup = client.post("/admin/countries/new", data={"code": "TJ", "name_en": "Again"})
    assert "already exists" in dup.get_data(as_text=True)
    r = client.post("/admin/institutions/new", data={
        "country_id": tj.id, "kind": "probation_office", "name_en": "Dushanbe probation office",
        "name_tg": "Идораи пробатсияи Душанбе", "signer_name_en": "A. Karimov", "signer_title_en": "Head"})
    assert r.status_code == 302
    inst = db.session.scalar(sa.select(Institution).where(Institution.country_id == tj.id))
    assert inst.kind.value == "probation_office" and inst.names["tg"] == "Идораи пробатсияи Душанбе"
    assert inst.signer_titles == {"en": "Head"}


def _user_form(institution, **extra):
    data = {"personnel_number": "KZ-777", "name_native": "Әсел Нұрова", "name_latin": "Asel Nurova",
            "gender": "female", "service": "probation", "position": "Probation officer",
            "institution_id": institution.id, "role": "officer", "locale": "kk",
            "is_active_account": "y", "scope_kind": "", "scope_institution_id": 0, "scope_country_id": 0}
    data.update(extra)
    return data


def test_admin_creates_an_account_and_sees_its_one_time_password_once(client, app, ctx):
    _admin(client)
    inst = make_institution()
    db.session.commit()
    page = client.post("/admin/users/new", data=_user_form(inst)).get_data(as_text=True)
    password = re.search(r'<code dir="ltr" class="otp">([^<]+)</code>', page).group(1)
    user = db.session.scalar(sa.select(User).where(User.personnel_number == "KZ-777"))
    assert user.must_change_password and user.service.value == "probation" and user.locale == "kk"
    other = app.test_client()
    r = other.post("/login", data={"personnel_number": "KZ-777", "password": password})
    assert r.headers["Location"].endswith("/account/password")


def test_duplicate_personnel_number_is_refused_and_nothing_changes(client, ctx):
    _admin(client)
    inst = make_institution()
    make_user(number="KZ-777", institution=inst)
    db.session.commit()
    count = db.session.scalar(sa.select(sa.func.count(User.id)))
    page = client.post("/admin/users/new", data=_user_form(inst, personnel_number="kz-777")).get_data(as_text=True)
    assert "already in use" in page
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == count


def test_a_manager_needs_a_scope(client, ctx):
    _admin(client)
    inst = make_institution()
    db.session.commit()
    page = client.post("/admin/users/new", data=_user_form(inst, role="manager")).get_data(as_text=True)
    assert "A manager needs a scope" in page
    assert db.session.scalar(sa.select(User).where(User.personnel_number == "KZ-777")) is None
    client.post("/admin/users/new", data=_user_form(inst, role="manager", scope_kind="country",
                                                     scope_country_id=inst.country_id))
    manager = db.session.scalar(sa.select(User).where(User.personnel_number == "KZ-777"))
    assert manager.scope_country_id == inst.country_id and manager.scope_institution_id is None


def test_admin_resets_a_password_and_unlocks_the_account(client, app, ctx):
    _admin(client)
    officer = make_user(number="lost-1")
    officer.failed_logins = 3
    db.session.commit()
    page = client.post(f"/admin/users/{officer.id}/reset-password").get_data(as_text=True)
    password = re.search(r'class="otp">([^<]+)<', page).group(1)
    other = app.test_client()
    assert other.post("/login", data={"personnel_number": "lost-1", "password": PASSWORD}).status_code == 200
    r = other.post("/login", data={"personnel_number": "lost-1", "password": password})
    assert r.headers["Location"].endswith("/account/password")
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "user.password_reset" in actions
    assert "audit" in client.get("/admin/audit").get_data(as_text=True).lower()


def test_admin_cannot_remove_own_admin_role(client, ctx):
    admin = _admin(client)
    data = _user_form(admin.institution, personnel_number=admin.personnel_number, role="officer")
    page = client.post(f"/admin/users/{admin.id}", data=data).get_data(as_text=True)
    assert "cannot remove your own administrator role" in page
    db.session.expire_all()
    assert db.session.get(User, admin.id).role == Role.ADMIN


def test_disabling_an_account_blocks_sign_in(client, app, ctx):
    _admin(client)
    officer = make_user(number="gone-1")
    db.session.commit()
    data = _user_form(officer.institution, personnel_number="gone-1", name_native=officer.name_native)
    data.pop("is_active_account")
    client.post(f"/admin/users/{officer.id}", data=data)
    other = app.test_client()
    page = other.post("/login", data={"personnel_number": "gone-1", "password": PASSWORD}).get_data(as_text=True)
    assert "disabled" in page


def test_country_list_shows_names_in_the_chosen_language(client, ctx):
    _admin(client)
    c = make_country("IQ")
    c.names = {"en": "Iraq", "ar": "العراق"}
    db.session.commit()
    client.get("/language/ar")
    assert "العراق" in client.get("/admin/countries").get_data(as_text=True)
