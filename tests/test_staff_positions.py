"""Positions come from a translated list an admin keeps per country, not free text."""

import io

import sqlalchemy as sa

from lms.extensions import db
from lms.org.models import Position, Role, User
from tests.factories import login, make_country, make_institution, make_user

COLUMNS = "personnel_number,name_native,name_latin,gender,service,position,institution_id,role,language"


def _admin(client):
    admin = make_user(role=Role.ADMIN, number="root1")
    db.session.commit()
    login(client, admin)
    return admin


def test_admin_keeps_a_translated_list_and_accounts_take_positions_from_it(client, ctx):
    _admin(client)
    kz, kg = make_country("KZ"), make_country("KG")
    inst = make_institution(kz)
    db.session.commit()
    r = client.post("/admin/positions/new", data={"country_id": kz.id, "name_en": "Senior inspector",
                                                 "name_ru": "Старший инспектор", "name_kk": "Аға инспектор"})
    assert r.status_code == 302
    abroad = Position(country_id=kg.id, key="Controller", names={"en": "Controller"})
    db.session.add(abroad)
    db.session.commit()
    senior = db.session.scalar(sa.select(Position).where(Position.key == "Senior inspector"))
    assert senior.names["kk"] == "Аға инспектор"
    assert "Senior inspector" in client.get("/admin/positions").get_data(as_text=True)
    form = {"personnel_number": "KZ-1", "name_native": "Асель", "name_latin": "Asel", "gender": "female",
            "service": "prison", "institution_id": inst.id, "role": "officer", "locale": "",
            "is_active_account": "y", "scope_kind": "", "scope_institution_id": 0, "scope_country_id": 0}
    # A position of another country's list is refused; free text cannot be sent at all.
    page = client.post("/admin/users/new", data={**form, "position": abroad.id}).get_data(as_text=True)
    assert "list of the institution&#39;s country" in page
    assert db.session.scalar(sa.select(User).where(User.personnel_number == "KZ-1")) is None
    client.post("/admin/users/new", data={**form, "position": senior.id})
    assert db.session.scalar(sa.select(User.position).where(User.personnel_number == "KZ-1")) == "Senior inspector"


def test_a_roster_names_positions_in_any_language_of_the_list_and_refuses_others(client, ctx):
    _admin(client)
    kz = make_country("KZ")
    inst = make_institution(kz)
    db.session.add(Position(country_id=kz.id, key="Inspector", names={"en": "Inspector", "ru": "Инспектор"}))
    db.session.commit()
    body = "\n".join([COLUMNS, f"R-1,Асель,Asel,female,prison,ИНСПЕКТОР,{inst.id},,",
                      f"R-2,Ерлан,Yerlan,male,prison,Chief of everything,{inst.id},,"])
    page = client.post("/admin/roster", data={"file": (io.BytesIO(body.encode()), "r.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Nothing was imported" in page and "not in the list" in page
    body = "\n".join([COLUMNS, f"R-1,Асель,Asel,female,prison,ИНСПЕКТОР,{inst.id},,"])
    client.post("/admin/roster", data={"file": (io.BytesIO(body.encode()), "r.csv")},
                content_type="multipart/form-data")
    assert db.session.scalar(sa.select(User.position).where(User.personnel_number == "R-1")) == "Inspector"


def test_the_dashboard_groups_and_names_positions_from_the_list_in_the_readers_language(client, ctx):
    from tests.test_reports import build_world

    world = build_world()
    for key in {u.position for u in world.users.values() if u.position}:
        db.session.add(Position(country_id=world.countries["KZ"].id, key=key,
                                names={"en": key, "ru": f"{key} (ru)"}))
    world.country_manager.locale = "ru"
    db.session.commit()
    login(client, world.country_manager)
    page = client.get("/reports/dashboard").get_data(as_text=True)
    section = page.split('id="table-position"')[1].split("</table>")[0]
    assert "(ru)</th>" in section


def test_the_migration_turns_free_text_positions_into_each_countrys_list(app, database_url, tmp_path):
    from flask_migrate import upgrade

    from lms import create_app

    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'positions.sqlite3'}"
    else:
        admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with admin.connect() as conn:
            conn.execute(sa.text("DROP DATABASE IF EXISTS positions"))
            conn.execute(sa.text("CREATE DATABASE positions"))
        admin.dispose()
        url = database_url.rsplit("/", 1)[0] + "/positions"
    other = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "RATELIMIT_ENABLED": False})
    with other.app_context():
        upgrade(revision="8d2e4f6a7b10")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO countries (id, code, names) VALUES (1, 'KZ', '{}')"))
            conn.execute(sa.text("INSERT INTO institutions (id, country_id, kind, names, signer_names, signer_titles)"
                                 " VALUES (1, 1, 'prison', '{}', '{}', '{}')"))
            for number, position in (("A-1", "Инспектор"), ("A-2", "Инспектор"), ("A-3", "Lecturer"), ("A-4", "")):
                conn.execute(sa.text(
                    "INSERT INTO users (personnel_number, password_hash, name_native, name_latin, gender, service,"
                    " position, institution_id, role, is_active_account, must_change_password,"
                    " created_at, search_key) VALUES (:n, 'x', 'N', 'N', 'female', 'prison', :p, 1, 'officer', true,"
                    " false, CURRENT_TIMESTAMP, '')"), {"n": number, "p": position})
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT country_id, key, names FROM positions ORDER BY key")).all()
        assert [(r[0], r[1]) for r in rows] == [(1, "Lecturer"), (1, "Инспектор")]
        db.session.remove()
        db.engine.dispose()
