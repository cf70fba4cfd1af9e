"""Admins: roster files as Excel writes them, password slips, the audit log, account filters."""

import csv
import io
import re
from datetime import timedelta

import sqlalchemy as sa

from lms.extensions import db
from lms.org.models import AuditEvent, Position, Role, User
from lms.timeutil import utcnow
from tests.factories import login, make_country, make_institution, make_user

COLUMNS = "personnel_number,name_native,name_latin,gender,service,position,institution_id,role,language"


def _admin(client, locale=None):
    admin = make_user(role=Role.ADMIN, number="root1", name="Root Admin", locale=locale)
    db.session.commit()
    login(client, admin)
    return admin


def _send(client, body: bytes, name="roster.csv"):
    return client.post("/admin/roster", data={"file": (io.BytesIO(body), name)},
                       content_type="multipart/form-data").get_data(as_text=True)


def _numbers():
    return set(db.session.scalars(sa.select(User.personnel_number).where(User.role == Role.OFFICER)))


def test_roster_reads_semicolons_in_windows_1251_as_excel_saves_in_russian_settings(client, ctx):
    _admin(client)
    inst = make_institution()
    db.session.add(Position(country_id=inst.country_id, key="Inspector", names={"en": "Inspector", "ru": "Инспектор"}))
    db.session.commit()
    text = COLUMNS.replace(",", ";") + f"\r\nR-1;Иванов Пётр;Ivanov Petr;male;prison;Инспектор;{inst.id};;ru\r\n"
    page = _send(client, text.encode("cp1251"))
    assert "1 account was created" in page
    user = db.session.scalar(sa.select(User).where(User.personnel_number == "R-1"))
    assert user.name_native == "Иванов Пётр" and user.position == "Inspector"


def test_windows_1251_that_lost_kazakh_letters_is_refused_with_how_to_save(client, ctx):
    _admin(client)
    inst = make_institution()
    db.session.commit()
    # Excel writes "?" for letters Windows-1251 lacks (Ә, Ұ).
    text = COLUMNS + f"\nR-1,?сел Н?рова,Asel Nurova,female,prison,,{inst.id},,kk\n"
    page = _send(client, text.encode("cp1251"))
    assert "Nothing was imported" in page and "Windows-1251" in page and "CSV UTF-8" in page
    assert _numbers() == set()


def test_roster_reads_tabs_and_utf8_without_a_byte_order_mark(client, ctx):
    _admin(client)
    inst = make_institution()
    db.session.commit()
    text = COLUMNS.replace(",", "\t") + f"\nR-2\tӘсел Нұрова\tAsel Nurova\tfemale\tprobation\t\t{inst.id}\t\tkk\n"
    assert "1 account was created" in _send(client, text.encode("utf-8"))
    assert db.session.scalar(sa.select(User.name_native).where(User.personnel_number == "R-2")) == "Әсел Нұрова"


def test_the_xlsx_template_in_russian_comes_back_filled_and_is_imported(client, ctx):
    from openpyxl import load_workbook

    _admin(client, locale="ru")
    inst = make_institution()
    db.session.commit()
    r = client.get("/admin/roster/template.xlsx")
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.data))
    sheet = book.worksheets[0]
    headings = [c.value for c in sheet[1]]
    assert headings[0] == "Табельный номер (personnel_number)" and sheet.freeze_panes == "A2"
    # Filled in as Excel would: numbers typed as numbers.
    sheet.append([12345, "Зарина Ҳакимова", "Zarina Hakimova", "female", "prison", None, inst.id, None, "tg"])
    out = io.BytesIO()
    book.save(out)
    page = _send(client, out.getvalue(), "roster.xlsx")
    assert "Создана 1 учетная запись" in page or "1 учетная запись" in page, page[-2000:]
    assert _numbers() == {"12345"}


def test_the_csv_template_has_english_and_translated_column_names_and_is_read_back(client, ctx):
    _admin(client, locale="kk")
    inst = make_institution()
    db.session.commit()
    body = client.get("/admin/roster/template.csv").data.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(body)))
    assert header[0] == "Табель нөмірі (personnel_number)" and len(header) == 9
    filled = body.rstrip("\r\n") + f"\r\nR-3,Әлібек,Alibek,male,prison,,{inst.id},,kk\r\n"
    _send(client, ("\ufeff" + filled).encode("utf-8"))
    assert _numbers() == {"R-3"}


def test_password_reset_asks_first_then_prints_a_slip(client, ctx):
    _admin(client)
    officer = make_user(number="KZ-42", name="Asel Nurova")
    old_hash = officer.password_hash
    db.session.commit()
    page = client.get(f"/admin/users/{officer.id}/reset-password").get_data(as_text=True)
    assert "Yes, reset the password" in page and "KZ-42" in page
    db.session.refresh(officer)
    assert officer.password_hash == old_hash  # asking changes nothing
    slip = client.post(f"/admin/users/{officer.id}/reset-password").get_data(as_text=True)
    assert 'class="slip"' in slip and "KZ-42" in slip and "Asel Nurova" in slip and "data-print" in slip
    assert re.search(r'class="otp">[^<]{10,}<', slip)


def test_a_roster_import_ends_with_one_slip_per_officer(client, ctx):
    _admin(client)
    inst = make_institution()
    db.session.commit()
    lines = [f"R-{n},Name {n},Name {n},female,prison,,{inst.id},," for n in range(3)]
    page = _send(client, "\n".join([COLUMNS, *lines]).encode("utf-8"))
    assert page.count('class="slip"') == 3 and "data-print" in page


def test_the_audit_log_reads_in_russian_with_names_links_reasons_filters_and_csv(client, ctx):
    admin = _admin(client, locale="ru")
    other_admin = make_user(role=Role.ADMIN, number="root2", name="Other Admin")
    officer = make_user(number="KZ-9", name="Asel Nurova")
    db.session.add_all([
        AuditEvent(actor_id=admin.id, action="user.password_reset", target=f"user:{officer.id}",
                   at=utcnow() - timedelta(days=3), detail={}),
        AuditEvent(actor_id=other_admin.id, action="certificate.revoked", target="certificate:ABCD-EFGH",
                   detail={"reason": "Выдан по ошибке"}),
    ])
    db.session.commit()
    page = client.get("/admin/audit").get_data(as_text=True).split("<tbody>")[1]
    assert "Сброс пароля" in page and "user.password_reset" not in page
    assert f'href="/admin/users/{officer.id}"' in page and "Asel Nurova" in page
    assert "Выдан по ошибке" in page and "Сертификат аннулирован" in page
    only = client.get("/admin/audit", query_string={"actor": "root2"}).get_data(as_text=True)
    assert "Выдан по ошибке" in only and "Сброс пароля" not in only.split("<tbody>")[1]
    today = utcnow().date().isoformat()
    recent = client.get("/admin/audit", query_string={"start": today}).get_data(as_text=True)
    assert "Сброс пароля" not in recent.split("<tbody>")[1]
    by_action = client.get("/admin/audit", query_string={"action": "user.password_reset"}).get_data(as_text=True)
    assert "Выдан по ошибке" not in by_action
    exported = client.get("/admin/audit/export.csv", query_string={"action": "certificate.revoked"})
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert len(rows) == 2 and "Выдан по ошибке" in rows[1][-1] and rows[1][1] == "root2"
    assert client.get("/admin/audit", query_string={"start": "9999-12-31"}).status_code == 200


def test_the_account_list_filters_by_institution_role_and_status_and_counts(client, ctx):
    _admin(client)
    kz = make_country()
    a, b = make_institution(kz, name="Prison A"), make_institution(kz, name="Prison B")
    make_user(institution=a, number="A-1")
    make_user(institution=a, number="A-2", role=Role.TRAINER)
    off = make_user(institution=b, number="B-1")
    off.is_active_account = False
    db.session.commit()
    page = client.get("/admin/users", query_string={"institution": a.id}).get_data(as_text=True)
    assert ">A-1<" in page and ">A-2<" in page and ">B-1<" not in page and "2 accounts." in page
    page = client.get("/admin/users", query_string={"role": "trainer"}).get_data(as_text=True)
    assert ">A-2<" in page and ">A-1<" not in page and "1 account." in page
    page = client.get("/admin/users", query_string={"active": "no"}).get_data(as_text=True)
    assert ">B-1<" in page and ">A-1<" not in page
