"""Which officers and cohorts a trainer reaches, and finding people by name in any script."""

import sqlalchemy as sa

from lms.extensions import db
from lms.learning.models import Enrolment
from lms.org.models import Cohort, InstitutionKind, Role, User
from tests.course_helpers import COURSE, load_sample
from tests.factories import login, make_country, make_institution, make_user

NEW_SESSION = f"/courses/{COURSE}/modules/02-role-play-admission/classroom/new"


def _academy_world():
    kz, kg = make_country("KZ"), make_country("KG")
    academy = make_institution(kz, kind=InstitutionKind.ACADEMY, name="National academy")
    prison = make_institution(kz, name="Prison 12")
    abroad = make_institution(kg, name="Bishkek prison")
    trainer = make_user(role=Role.TRAINER, institution=academy, number="tr-academy")
    near = make_user(institution=prison, name="Aigerim Near", number="KZ-0101")
    far = make_user(institution=abroad, name="Aigerim Abroad", number="KG-0101")
    db.session.commit()
    return trainer, near, far, prison, kg


def test_academy_trainer_reaches_officers_of_the_whole_country_on_every_trainer_page(client, ctx):
    load_sample()
    trainer, near, far, prison, _ = _academy_world()
    login(client, trainer)
    for url in (f"/courses/{COURSE}/assign?q=aigerim", "/people?q=aigerim", f"{NEW_SESSION}?q=aigerim"):
        page = client.get(url).get_data(as_text=True)
        assert "KZ-0101" in page and "KG-0101" not in page, url
    # Assigning and building a cohort work for them too, and still refuse the officer abroad.
    r = client.post(f"/courses/{COURSE}/assign", data={"officers": [near.id], "cohort_id": 0})
    assert r.status_code == 302
    assert [e.user_id for e in db.session.scalars(sa.select(Enrolment))] == [near.id]
    r = client.post("/cohorts/new", data={"name": "Regional course", "institution_id": prison.id})
    assert r.status_code == 302
    cohort_url = r.headers["Location"]
    assert "KZ-0101" in client.get(cohort_url + "?q=aigerim").get_data(as_text=True)
    client.post(cohort_url, data={"add": [near.id, far.id]})
    cohort = db.session.scalar(sa.select(Cohort))
    assert [m.id for m in cohort.members] == [near.id]
    assert near.personnel_number in client.get(f"/people/{near.id}").get_data(as_text=True)
    assert client.get(f"/people/{far.id}").status_code == 404


def test_a_trainer_at_a_prison_keeps_their_institution_until_an_admin_sets_a_country(client, app, ctx):
    kz = make_country("KZ")
    own, other = make_institution(kz, name="Own prison"), make_institution(kz, name="Other prison")
    trainer = make_user(role=Role.TRAINER, institution=own, number="tr-prison")
    make_user(institution=own, name="Officer Own", number="KZ-1")
    make_user(institution=other, name="Officer Other", number="KZ-2")
    admin = make_user(role=Role.ADMIN, number="root1")
    db.session.commit()
    login(client, trainer)
    page = client.get("/people?q=officer").get_data(as_text=True)
    assert "KZ-1" in page and "KZ-2" not in page

    admin_client = app.test_client()
    login(admin_client, admin)
    form = {"personnel_number": "tr-prison", "name_native": trainer.name_native, "name_latin": trainer.name_latin,
            "gender": "female", "service": "prison", "position": 0, "institution_id": own.id, "role": "trainer",
            "locale": "", "is_active_account": "y", "scope_kind": "country", "scope_institution_id": 0,
            "scope_country_id": kz.id}
    assert admin_client.post(f"/admin/users/{trainer.id}", data=form).status_code == 302
    page = client.get("/people?q=officer").get_data(as_text=True)
    assert "KZ-1" in page and "KZ-2" in page


def test_cohorts_of_another_trainer_are_seen_but_only_their_trainer_changes_them(client, ctx):
    kz = make_country("KZ")
    inst = make_institution(kz)
    lead, colleague = make_user(role=Role.TRAINER, institution=inst), make_user(role=Role.TRAINER, institution=inst)
    officer = make_user(institution=inst, number="KZ-5")
    cohort = Cohort(name="Lead's cohort", institution_id=inst.id, trainer_id=lead.id, members=[officer])
    db.session.add(cohort)
    db.session.commit()
    login(client, colleague)
    assert "Lead&#39;s cohort" in client.get("/cohorts").get_data(as_text=True)
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert "KZ-5" in page and "Only the trainer who leads this cohort" in page
    assert client.post(f"/cohorts/{cohort.id}", data={"remove": [officer.id]}).status_code == 403


def test_search_ignores_letter_case_and_kazakh_tajik_letters_in_every_script(client, ctx):
    admin = make_user(role=Role.ADMIN, number="root1")
    for number, native in (("KZ-1", "Әсел Нұрова"), ("TJ-1", "Ҷамшед Раҳимов"), ("IQ-1", "أحمد الساعدي"),
                           ("KZ-2", "Пётр Иванов")):
        make_user(number=number, name=native)
    db.session.commit()
    login(client, admin)
    for q, number in (("әсел", "KZ-1"), ("АСЕЛ НУРОВА", "KZ-1"), ("нұр", "KZ-1"), ("джамшед", None),
                      ("чамшед рахимов", "TJ-1"), ("ҶАМШЕД", "TJ-1"), ("احمد", "IQ-1"), ("ПЕТР", "KZ-2"),
                      ("kz-1", "KZ-1")):
        page = client.get("/admin/users", query_string={"q": q}).get_data(as_text=True)
        found = {n for n in ("KZ-1", "TJ-1", "IQ-1", "KZ-2") if f">{n}<" in page}
        assert found == ({number} if number else set()), q


def test_the_search_key_follows_every_change_of_a_name(ctx):
    user = make_user(number="KZ-9", name="Әсел")
    user.name_native, user.name_latin = "Гүлнар Ермекова", "Gulnar Yermekova"
    db.session.commit()
    assert db.session.scalar(sa.select(User.id).where(User.search_key.contains("гулнар"))) == user.id
    assert db.session.scalar(sa.select(User.id).where(User.search_key.contains("асел"))) is None


def test_an_empty_search_says_nobody_matched_and_where_it_looked(client, ctx):
    load_sample()
    trainer, *_ = _academy_world()
    login(client, trainer)
    for url in (f"/courses/{COURSE}/assign?q=zzz", "/people?q=zzz", f"{NEW_SESSION}?q=zzz"):
        page = client.get(url).get_data(as_text=True)
        assert ("No officer matched “zzz”" in page or "No account matched “zzz”" in page) and "Country KZ" in page, url


def test_the_migration_fills_the_search_key_of_existing_accounts(app, database_url, tmp_path):
    from flask_migrate import upgrade

    from lms import create_app

    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'searchkey.sqlite3'}"
    else:
        admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with admin.connect() as conn:
            conn.execute(sa.text("DROP DATABASE IF EXISTS searchkey"))
            conn.execute(sa.text("CREATE DATABASE searchkey"))
        admin.dispose()
        url = database_url.rsplit("/", 1)[0] + "/searchkey"
    other = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "RATELIMIT_ENABLED": False})
    with other.app_context():
        upgrade(revision="75e5d5f47e4b")  # the schema before the search key
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO countries (id, code, names) VALUES (1, 'KZ', '{}')"))
            conn.execute(sa.text("INSERT INTO institutions (id, country_id, kind, names, signer_names, signer_titles)"
                                 " VALUES (1, 1, 'prison', '{}', '{}', '{}')"))
            conn.execute(sa.text(
                "INSERT INTO users (personnel_number, password_hash, name_native, name_latin, gender, service,"
                " position, institution_id, role, is_active_account, must_change_password, failed_logins,"
                " created_at) VALUES ('KZ-77', 'x', 'Әсел Нұрова', 'Asel Nurova', 'female', 'prison', '', 1,"
                " 'officer', true, false, 0, CURRENT_TIMESTAMP)"))
        upgrade()
        with db.engine.connect() as conn:
            key = conn.execute(sa.text("SELECT search_key FROM users")).scalar_one()
        assert key == "асел нурова\nasel nurova\nkz-77"
        db.session.remove()
        db.engine.dispose()


def _grant(admin_client, trainer, place: str, starts, ends, reason="Regional course, Bishkek"):
    return admin_client.post(f"/admin/users/{trainer.id}/scope-grants", data={
        "place": place, "starts_on": starts.isoformat(), "ends_on": ends.isoformat(), "reason": reason})


def test_an_admin_grants_a_trainer_a_neighbouring_country_for_a_period(client, app, ctx):
    """A regional event: for its days the academy trainer reaches Kyrgyz officers as well,
    and nothing beyond them (Tajik officers stay out); after it, nothing of Kyrgyzstan."""
    from datetime import timedelta

    from lms.org.models import AuditEvent, ScopeGrant
    from lms.timeutil import today

    load_sample()
    trainer, near, far, _prison, kg = _academy_world()
    tj = make_country("TJ")
    beyond = make_user(institution=make_institution(tj, name="Dushanbe prison"), name="Aigerim Beyond",
                       number="TJ-0101")
    admin = make_user(role=Role.ADMIN, number="root-grant")
    db.session.commit()
    urls = (f"/courses/{COURSE}/assign?q=aigerim", "/people?q=aigerim", f"{NEW_SESSION}?q=aigerim")

    def reached() -> set[str]:
        found = set()
        for url in urls:
            page = client.get(url).get_data(as_text=True)
            found |= {n for n in ("KZ-0101", "KG-0101", "TJ-0101") if n in page}
        for officer in (near, far, beyond):
            if client.get(f"/people/{officer.id}").status_code == 200:
                found.add(officer.personnel_number + " page")
        return found

    login(client, trainer)
    assert reached() == {"KZ-0101", "KZ-0101 page"}
    admin_client = app.test_client()
    login(admin_client, admin)
    # A period that is over, or ends before it starts, is refused with a message; nothing is stored.
    page = _grant(admin_client, trainer, f"country:{kg.id}", today() - timedelta(days=9),
                  today() - timedelta(days=2)).get_data(as_text=True)
    assert "The period is already over." in page
    page = _grant(admin_client, trainer, f"country:{kg.id}", today() + timedelta(days=5),
                  today() + timedelta(days=1)).get_data(as_text=True)
    assert "The period ends before it starts." in page
    assert db.session.scalar(sa.select(sa.func.count(ScopeGrant.id))) == 0
    # The event's days: Kyrgyzstan too, and nothing beyond it.
    response = _grant(admin_client, trainer, f"country:{kg.id}", today(), today() + timedelta(days=3))
    assert response.status_code == 302
    assert reached() == {"KZ-0101", "KG-0101", "KZ-0101 page", "KG-0101 page"}
    nobody = client.get("/people?q=zzz").get_data(as_text=True)
    assert "and for a period granted by an administrator also the institutions of Country KG" in nobody
    assert client.post(f"/courses/{COURSE}/assign", data={"officers": [far.id], "cohort_id": 0}).status_code == 302
    client.post(f"/courses/{COURSE}/assign", data={"officers": [beyond.id], "cohort_id": 0})  # refused
    assert sorted(e.user_id for e in db.session.scalars(sa.select(Enrolment))) == [far.id]
    # The admin's page lists it; the audit log says who granted what, for when, and why.
    page = admin_client.get(f"/admin/users/{trainer.id}").get_data(as_text=True)
    assert "In force" in page and "Regional course, Bishkek" in page
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "scope.granted"))
    assert event.actor_id == admin.id and event.target == f"user:{trainer.id}"
    assert event.detail["ends_on"] == (today() + timedelta(days=3)).isoformat()
    log = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "Extra scope granted" in log and "Regional course, Bishkek" in log and "KG — Country KG" in log
    # After the last day (time passes: the grant now lies in the past), nothing of Kyrgyzstan.
    grant = db.session.scalar(sa.select(ScopeGrant))
    grant.starts_on, grant.ends_on = today() - timedelta(days=5), today() - timedelta(days=1)
    db.session.commit()
    assert reached() == {"KZ-0101", "KZ-0101 page"}
    # Before the first day, nothing either.
    grant.starts_on, grant.ends_on = today() + timedelta(days=1), today() + timedelta(days=4)
    db.session.commit()
    assert reached() == {"KZ-0101", "KZ-0101 page"}


def test_an_extra_institution_can_be_ended_early_and_the_end_is_audited(client, app, ctx):
    from datetime import timedelta

    from lms.org.models import AuditEvent, ScopeGrant
    from lms.timeutil import today

    kz = make_country("KZ")
    own, other = make_institution(kz, name="Own prison"), make_institution(kz, name="Other prison")
    third = make_institution(kz, name="Third prison")
    trainer = make_user(role=Role.TRAINER, institution=own, number="tr-grant")
    make_user(institution=other, name="Officer Other", number="KZ-2")
    make_user(institution=third, name="Officer Third", number="KZ-3")
    admin = make_user(role=Role.ADMIN, number="root-end")
    db.session.commit()
    admin_client = app.test_client()
    login(admin_client, admin)
    assert _grant(admin_client, trainer, f"institution:{other.id}", today(),
                  today() + timedelta(days=10), reason="").status_code == 302
    login(client, trainer)
    page = client.get("/people?q=officer").get_data(as_text=True)
    assert "KZ-2" in page and "KZ-3" not in page  # the one institution granted, not the country
    grant = db.session.scalar(sa.select(ScopeGrant))
    admin_client.post(f"/admin/users/{trainer.id}/scope-grants/{grant.id}/end")
    page = client.get("/people?q=officer").get_data(as_text=True)
    assert "KZ-2" not in page
    assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.action == "scope.grant_ended"))
    # Only a trainer takes extra scopes, and only an admin grants them.
    manager = make_user(role=Role.MANAGER, institution=own, scope_institution=own, number="mgr-grant")
    db.session.commit()
    assert _grant(admin_client, manager, f"institution:{other.id}", today(), today()).status_code == 404
    assert _grant(client, trainer, f"institution:{third.id}", today(), today()).status_code in (403, 404)
    assert db.session.scalar(sa.select(sa.func.count(ScopeGrant.id))) == 1
