"""Certificates: issued on completion, printed in every script, verifiable online and offline."""

from __future__ import annotations

import io
import json
import os
import re
import stat
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from hypothesis import given
from hypothesis import strategies as st

from lms.certificates.export import pdf_bytes, prepare
from lms.certificates.fonts import charset
from lms.certificates.issue import issue
from lms.certificates.keys import app_store
from lms.certificates.models import Certificate
from lms.certificates.printed import payload, printed_fields, qr_text
from lms.certificates.serial import (
    ALPHABET,
    DATA_LENGTH,
    check_character,
    display,
    new_serial,
    normalise,
)
from lms.certificates.signing import (
    InvalidPayloadError,
    b64url,
    canonical,
    unb64url,
    verify_payload,
)
from lms.extensions import db
from lms.learning.models import CourseCompletion
from lms.org.models import AuditEvent, Cohort, Role
from lms.timeutil import utcnow
from tests.course_helpers import COURSE, best_path, enrol, load_sample, play_scenario, take_quiz
from tests.factories import login, make_country, make_institution, make_user

ROOT = Path(__file__).resolve().parent.parent
# Names and course titles in the five languages; Kazakh and Tajik use every letter of
# their alphabets that Russian lacks (ә ғ қ ң ө ұ ү һ і; ғ ӣ қ ӯ ҳ ҷ).
PEOPLE = {
    "en": ("Emily Johnson", "Emily Johnson"),
    "ru": ("Ольга Сергеевна Иванова", "Olga Sergeevna Ivanova"),
    "kk": ("Әсем Ғалымқызы Өтеуова", "Asem Galymkyzy Oteuova"),
    "tg": ("Ҷамшед Ҳакимов Ғуломзода", "Jamshed Hakimov Ghulomzoda"),
    "ar": ("فاطمة الزهراء بن علي", "Fatima Al-Zahraa bin Ali"),
}
TITLES = {
    "en": "Human rights in daily prison work",
    "ru": "Права человека в повседневной работе учреждения",
    "kk": "Қауіпсіздік пен құқық: әңгіме, ғылым, өмір, ұлттық үрдіс һәм іс",
    "tg": "Ҳуқуқи инсон ва ҷомеаи ӯ: ғамхорӣ дар муассиса",
    "ar": "حقوق الإنسان في العمل اليومي للسجون",
}
BIDI_MARKS = dict.fromkeys([0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def plain(text: str) -> str:
    """Text as a PDF extractor gives it, made comparable: no bidi marks, one space, NFKC."""
    text = unicodedata.normalize("NFKC", text.translate(BIDI_MARKS))
    return " ".join(text.split())


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "c.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return plain(out)


def complete_sample(client, version) -> None:
    """Finish the sample course as an officer does: read, pass the quiz, play the role-play."""
    enrol(client)
    client.post(f"/courses/{COURSE}/modules/01-admission-basics/read")
    take_quiz(client, version, "01-admission-basics")
    scenario = version.module("02-role-play-admission")["scenario"]
    play_scenario(client, version, "02-role-play-admission", best_path(scenario))


def certify(user, version, score: int = 90, titles: dict | None = None) -> Certificate:
    """A completion and its certificate, issued by the real issuing code."""
    completion = CourseCompletion(user_id=user.id, course_id=version.course_id, course_version=version.version,
                                  completed_at=utcnow(), final_score=score)
    db.session.add(completion)
    db.session.flush()
    cert = issue(completion, version)
    if titles:
        cert.course_titles = titles
    db.session.commit()
    return cert


def signed_institution(country=None, name: str = "Academy"):
    inst = make_institution(country, name=name)
    inst.names = {"en": name, "ru": "Академия", "kk": "Академиясы", "tg": "Академияи", "ar": "الأكاديمية"}
    inst.signer_names = {"en": "Marat Akhmetov", "ru": "Марат Ахметов", "ar": "مارات أحمدوف"}
    inst.signer_titles = {"en": "Rector", "ru": "Ректор", "ar": "رئيس الأكاديمية"}
    db.session.flush()
    return inst


# Issuing -----------------------------------------------------------------------------------


def test_completing_a_course_issues_one_certificate_with_a_snapshot(client, ctx):
    version = load_sample()
    inst = signed_institution()
    officer = make_user(institution=inst, number="off1", name="Aigul Serikkyzy")
    db.session.commit()
    login(client, officer)
    complete_sample(client, version)

    certs = db.session.scalars(sa.select(Certificate)).all()
    assert len(certs) == 1
    cert = certs[0]
    completion = db.session.scalar(sa.select(CourseCompletion))
    assert (cert.user_id, cert.course_id, cert.course_version, cert.completion_id) == (
        officer.id, COURSE, 1, completion.id)
    assert normalise(cert.serial) == cert.serial
    assert cert.key_id == app_store().current().id
    assert cert.name_latin == "Aigul Serikkyzy" and cert.final_score == completion.final_score
    assert cert.hours == 1 and cert.course_titles["kk"].startswith("Алғашқы")
    assert cert.signer_names["en"] == "Marat Akhmetov"

    # Later edits of the account, institution and course do not change the certificate.
    officer.name_latin = "Someone Else"
    inst.names = {"en": "Renamed"}
    db.session.commit()
    db.session.refresh(cert)
    assert cert.name_latin == "Aigul Serikkyzy" and cert.institution_names["en"] == "Academy"
    page = client.get(f"/verify/{cert.serial}").get_data(as_text=True)
    assert "Aigul Serikkyzy" in page and "Someone Else" not in page

    # "My certificates" lists it, and it downloads again any time.
    page = client.get("/certificates").get_data(as_text=True)
    assert cert.serial in page
    response = client.get(f"/certificates/{cert.serial}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")


def test_one_certificate_per_officer_per_course_version(ctx):
    version = load_sample()
    officer = make_user()
    cert = certify(officer, version)
    completion = db.session.get(CourseCompletion, cert.completion_id)
    assert issue(completion, version).id == cert.id  # the signal sent twice issues nothing new
    duplicate = Certificate(**{
        c.key: getattr(cert, c.key) for c in Certificate.__table__.columns if c.key not in ("id", "serial")
    }, serial=new_serial())
    db.session.add(duplicate)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 1


def test_no_certificate_when_the_course_gives_none(ctx):
    version = load_sample()
    version.content = {**version.content, "certificate": {"enabled": False, "hours": 0}}
    db.session.commit()
    officer = make_user()
    completion = CourseCompletion(user_id=officer.id, course_id=COURSE, course_version=1,
                                  completed_at=utcnow(), final_score=80)
    db.session.add(completion)
    db.session.flush()
    assert issue(completion, version) is None


# Serials -----------------------------------------------------------------------------------

data_part = st.text(alphabet=ALPHABET, min_size=DATA_LENGTH, max_size=DATA_LENGTH)


@given(data=data_part, position=st.integers(0, DATA_LENGTH), replacement=st.sampled_from(ALPHABET))
def test_serial_check_character_catches_every_single_mistyped_character(data, position, replacement):
    compact = data + check_character(data)
    assert normalise(display(compact)) == display(compact)
    if compact[position] != replacement:
        typo = compact[:position] + replacement + compact[position + 1:]
        assert normalise(typo) is None


@given(data=data_part, position=st.integers(0, DATA_LENGTH - 1))
def test_serial_check_character_catches_swapped_neighbours(data, position):
    compact = data + check_character(data)
    swapped = compact[:position] + compact[position + 1] + compact[position] + compact[position + 2:]
    if swapped != compact:
        assert normalise(swapped) is None


def test_serials_are_random_typable_and_forgiving():
    serials = {new_serial() for _ in range(200)}
    assert len(serials) == 200
    serial = serials.pop()
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}-[0-9A-HJKMNP-TV-Z]", serial)
    typed = serial.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert normalise(typed) == serial
    assert normalise(serial[:-2]) is None and normalise("") is None and normalise("U" * 17) is None


# The PDF -----------------------------------------------------------------------------------


def test_certificate_pdfs_in_all_five_languages_carry_name_title_and_serial(ctx, tmp_path, artifacts, caplog):
    version = load_sample()
    inst = signed_institution()
    for lang, (native, latin) in PEOPLE.items():
        officer = make_user(institution=inst, locale=lang)
        officer.name_native, officer.name_latin = native, latin
        cert = certify(officer, version, titles=TITLES)
        # The officer's language with English beside it.
        text = pdf_text(pdf_bytes(cert, None, lang), tmp_path)
        for expected in (native, latin, TITLES[lang], TITLES["en"], cert.serial):
            assert plain(expected) in text, (lang, expected, text)
        # One course language, as the officer may choose.
        for chosen in ("ar", "kk"):
            data = pdf_bytes(cert, chosen, lang)
            text = pdf_text(data, tmp_path)
            assert plain(TITLES[chosen]) in text and plain(native) in text and cert.serial in text
        (tmp_path / f"{lang}.pdf").write_bytes(pdf_bytes(cert, None, lang))
        subprocess.run(["pdftoppm", "-png", "-r", "50", "-singlefile", str(tmp_path / f"{lang}.pdf"),
                        str(artifacts / f"certificate-{lang}")], check=True)
        assert (artifacts / f"certificate-{lang}.png").stat().st_size > 5000
        fonts = subprocess.run(["pdffonts", str(tmp_path / f"{lang}.pdf")], check=True,
                               capture_output=True, text=True).stdout
        rows = fonts.splitlines()[2:]
        assert rows and all(" yes yes yes " in row for row in rows), fonts  # embedded, subset, unicode
        assert ("NotoNaskhArabic" in fonts) == (lang == "ar")
    assert not [r for r in caplog.records if "missing" in r.getMessage()]


def test_every_character_of_course_titles_and_test_names_is_in_the_embedded_fonts():
    texts = [*TITLES.values(), *(name for pair in PEOPLE.values() for name in pair)]
    for course_yaml in sorted((ROOT / "courses").glob("*/course.yaml")):
        texts.extend(yaml.safe_load(course_yaml.read_text(encoding="utf-8"))["title"].values())
    sans, naskh = charset("sans"), charset("naskh")
    sans_bold, naskh_bold = charset("sans", "B"), charset("naskh", "B")
    chars = {c for text in texts for c in text}
    assert {"ә", "ғ", "қ", "ң", "ө", "ұ", "ү", "һ", "і", "ӣ", "ӯ", "ҳ", "ҷ"} <= chars
    for char in chars:
        code = ord(char)
        if unicodedata.bidirectional(char) in ("AL", "R"):
            assert code in naskh and code in naskh_bold, char
        else:
            assert code in sans and code in sans_bold, char


def test_qr_code_holds_the_verify_link_and_the_signed_fields(app, ctx, tmp_path):
    version = load_sample()
    officer = make_user(institution=signed_institution(), locale="kk")
    officer.name_native, officer.name_latin = PEOPLE["kk"]
    cert = certify(officer, version, titles=TITLES)
    expected = qr_text(cert, payload(cert, "kk"))
    assert expected.startswith(f"http://127.0.0.1:5000/verify/{cert.serial}#")
    assert prepare(cert, None, "kk").qr == expected
    (tmp_path / "c.pdf").write_bytes(pdf_bytes(cert, None, "kk"))
    subprocess.run(["pdftoppm", "-png", "-r", "200", "-singlefile", str(tmp_path / "c.pdf"),
                    str(tmp_path / "c")], check=True)
    scanned = subprocess.run(["zbarimg", "--raw", "-q", str(tmp_path / "c.png")], check=True,
                             capture_output=True, text=True).stdout.strip()
    assert scanned == expected
    fields = verify_payload(scanned, app_store().public_keys())
    assert fields == {**printed_fields(cert, "kk"), "key": app_store().current().id}
    assert fields["name"] == PEOPLE["kk"][0] and fields["title"] == TITLES["kk"]


# Offline verification ----------------------------------------------------------------------


def _tampered(signed: str, **changes) -> str:
    import zlib

    body, signature = signed.split(".")
    fields = json.loads(zlib.decompress(unb64url(body)))
    return f"{b64url(zlib.compress(canonical({**fields, **changes})))}.{signature}"


def test_any_altered_field_fails_verification(ctx):
    version = load_sample()
    cert = certify(make_user(institution=signed_institution()), version, score=72)
    signed = payload(cert, "en")
    keys = app_store().public_keys()
    assert verify_payload(signed, keys)["score"] == 72
    for name, value in printed_fields(cert, "en").items():
        altered = (value + 1) if isinstance(value, int) else f"{value}x"
        with pytest.raises(InvalidPayloadError):
            verify_payload(_tampered(signed, **{name: altered}), keys)
    body, signature = signed.split(".")
    forged = b64url(bytes(64))
    for bad in (f"{body}.{forged}", body, "", "not a payload", f"{body}.{signature}x!"):
        with pytest.raises(InvalidPayloadError):
            verify_payload(bad, keys)
    with pytest.raises(InvalidPayloadError):  # a link whose serial is not the signed one
        verify_payload(f"https://x/verify/{new_serial()}#{signed}", keys)
    with pytest.raises(InvalidPayloadError):  # someone else's key
        verify_payload(signed, {})


def test_offline_verification_by_command_and_page_needs_only_the_public_keys(app, client, runner, ctx, tmp_path):
    version = load_sample()
    officer = make_user(institution=signed_institution(), locale="ar")
    officer.name_native, officer.name_latin = PEOPLE["ar"]
    cert = certify(officer, version, titles=TITLES)
    link = qr_text(cert, payload(cert, "ar"))

    result = runner.invoke(args=["certificates", "verify", link])
    assert result.exit_code == 0, result.output
    assert "VALID" in result.output and cert.serial in result.output and PEOPLE["ar"][0] in result.output

    # The published keys are all a verifier needs.
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(client.get("/certificates/public-keys").get_data(as_text=True))
    assert json.loads(keys_file.read_text()) == app_store().published()
    result = runner.invoke(args=["certificates", "verify", "--public-keys", str(keys_file), link.split("#")[1]])
    assert result.exit_code == 0 and PEOPLE["ar"][1] in result.output
    tampered = _tampered(link.split("#")[1], name_latin="Someone Else")
    result = runner.invoke(args=["certificates", "verify", "--public-keys", str(keys_file), tampered])
    assert result.exit_code == 1 and "INVALID" in result.output

    page = client.post("/verify/offline", data={"payload": link}).get_data(as_text=True)
    assert "Signature valid" in page and PEOPLE["ar"][0] in page and cert.serial in page
    page = client.post("/verify/offline", data={"payload": tampered}).get_data(as_text=True)
    assert "not a valid certificate signature" in page and PEOPLE["ar"][0] not in page


def test_offline_page_form_needs_its_csrf_token(client, csrf_on):
    assert client.post("/verify/offline", data={"payload": "x.y"}).status_code == 400
    page = client.get("/verify/offline").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    page = client.post("/verify/offline", data={"payload": "x.y", "csrf_token": token})
    assert page.status_code == 200 and "not a valid certificate signature" in page.get_data(as_text=True)


def test_rotating_the_key_keeps_older_certificates_verifiable(app, runner, ctx):
    version = load_sample()
    cert = certify(make_user(institution=signed_institution()), version)
    store = app_store()
    old = store.current()
    old_link = qr_text(cert, payload(cert, "en"))
    folder = Path(app.instance_path) / "keys"
    assert stat.S_IMODE(os.stat(folder / f"{old.id}.key").st_mode) == 0o600

    result = runner.invoke(args=["certificates", "rotate-key"])
    assert result.exit_code == 0, result.output
    new = store.current()
    assert new.id != old.id and new.id in result.output
    assert not (folder / f"{old.id}.key").exists() and (folder / f"{old.id}.pub").exists()
    assert set(store.published()) == {old.id, new.id}
    assert verify_payload(old_link, store.public_keys())["key"] == old.id
    assert verify_payload(payload(cert, "en"), store.public_keys())["key"] == new.id
    assert runner.invoke(args=["certificates", "verify", old_link]).exit_code == 0


# Public verification page ------------------------------------------------------------------


def test_verify_page_shows_the_printed_fields_and_nothing_more(client, ctx):
    version = load_sample()
    officer = make_user(institution=signed_institution(), number="PN-55501", position="Deputy warden")
    officer.name_native, officer.name_latin = PEOPLE["ru"]
    cert = certify(officer, version, score=85)
    page = client.get(f"/verify/{cert.serial}").get_data(as_text=True)
    for shown in ("Valid", PEOPLE["ru"][0], PEOPLE["ru"][1], "First steps: respectful admission",
                  "85%", "Academy", "Marat Akhmetov", cert.serial):
        assert shown in page, shown
    assert "PN-55501" not in page and "Deputy warden" not in page
    # The form, typed loosely, leads to the page.
    response = client.get(f"/verify?serial={cert.serial.lower().replace('-', ' ')}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/verify/{cert.serial}")
    response = client.get(f"/verify/{cert.serial.replace('-', '').lower()}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/verify/{cert.serial}")


def test_unknown_or_mistyped_serial_says_so(client, ctx):
    unknown = new_serial()
    response = client.get(f"/verify/{unknown}")
    assert response.status_code == 404
    assert f"No certificate has the serial {unknown}." in response.get_data(as_text=True)
    mistyped = unknown[:-1] + ("0" if unknown[-1] != "0" else "1")
    response = client.get(f"/verify/{mistyped}")
    assert response.status_code == 404 and "is not a valid serial" in response.get_data(as_text=True)
    page = client.get(f"/verify?serial={mistyped}").get_data(as_text=True)
    assert "This is not a valid serial" in page


def test_revoked_certificate_shows_revoked_with_date_and_can_be_issued_again(app, client, ctx):
    version = load_sample()
    officer = make_user(institution=signed_institution(), number="off-r")
    admin = make_user(role=Role.ADMIN, number="adm-r")
    cert = certify(officer, version)
    login(client, admin)

    assert client.post(f"/certificates/{cert.serial}/revoke", data={"reason": "  "}).status_code == 400
    response = client.post(f"/certificates/{cert.serial}/revoke", data={"reason": "Name misspelt"})
    assert response.status_code == 302
    db.session.expire_all()
    cert = db.session.get(Certificate, cert.id)
    assert cert.is_revoked and cert.revoked_by_id == admin.id and cert.revoked_reason == "Name misspelt"

    page = client.get(f"/verify/{cert.serial}").get_data(as_text=True)
    revoked_on = cert.revoked_at.strftime("%B %-d, %Y")
    assert "Revoked" in page and revoked_on in page and cert.serial in page
    # Nothing about the person or the training: only that this serial is revoked.
    for detail in ("Name misspelt", officer.name_latin, officer.name_native, "Academy", "Course version",
                   "Final score", "Training hours"):
        assert detail not in page, detail

    response = client.post(f"/certificates/{cert.serial}/reissue")
    assert response.status_code == 302
    db.session.expire_all()
    old = db.session.get(Certificate, cert.id)
    new = db.session.get(Certificate, old.replaced_by_id)
    assert new.serial != old.serial and not new.is_revoked and new.completion_id == old.completion_id
    assert response.headers["Location"].endswith(f"/certificates/manage/{new.serial}")
    assert new.serial in client.get(f"/verify/{old.serial}").get_data(as_text=True)
    # A second re-issue of the same certificate is refused.
    client.post(f"/certificates/{old.serial}/reissue")
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 2

    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    actions = [(e.action, e.actor_id, e.target) for e in events if e.action.startswith("certificate.")]
    assert actions == [("certificate.revoked", admin.id, f"certificate:{old.serial}"),
                       ("certificate.reissued", admin.id, f"certificate:{old.serial}")]
    assert all(e.at is not None for e in events)

    # The owner can no longer download the revoked one, only the new one.
    other = app.test_client()
    login(other, officer)
    assert other.get(f"/certificates/{old.serial}.pdf").status_code == 404
    assert other.get(f"/certificates/{new.serial}.pdf").status_code == 200


def test_only_admins_revoke(client, ctx):
    version = load_sample()
    inst = signed_institution()
    cert = certify(make_user(institution=inst), version)
    manager = make_user(role=Role.MANAGER, institution=inst, scope_institution=inst)
    db.session.commit()
    login(client, manager)
    assert client.post(f"/certificates/{cert.serial}/revoke", data={"reason": "x"}).status_code == 403
    assert "Revoke" not in client.get(f"/certificates/manage/{cert.serial}").get_data(as_text=True)


@pytest.fixture
def rate_limited_client(app):
    from lms import create_app
    from lms.extensions import limiter

    limited = create_app({**app.config, "RATELIMIT_ENABLED": True})
    yield limited.test_client()
    limiter.reset()
    limiter.enabled = False


def test_verify_page_is_rate_limited(rate_limited_client, ctx):
    serial = new_serial()
    statuses = [rate_limited_client.get(f"/verify/{serial}").status_code for _ in range(31)]
    assert statuses[:30] == [404] * 30 and statuses[30] == 429
    assert "Too many requests" in rate_limited_client.get(f"/verify/{serial}").get_data(as_text=True)


# Officers, managers, downloads -------------------------------------------------------------


def test_officers_download_only_their_own_certificates(app, client, ctx):
    version = load_sample()
    inst = signed_institution()
    mine, theirs = make_user(institution=inst, number="me1"), make_user(institution=inst, number="them1")
    mine_cert, their_cert = certify(mine, version), certify(theirs, version)
    login(client, mine)
    assert client.get(f"/certificates/{mine_cert.serial}.pdf?lang=ar").status_code == 200
    assert client.get(f"/certificates/{their_cert.serial}.pdf").status_code == 404
    assert client.get(f"/certificates/{their_cert.serial}/badge.json").status_code == 404
    page = client.get("/certificates").get_data(as_text=True)
    assert mine_cert.serial in page and their_cert.serial not in page
    assert client.get("/certificates/manage").status_code == 403


def web_zip(client, **group) -> bytes:
    """Ask for a group's zip on the export page, follow it to its page, and download it."""
    response = client.post("/certificates/manage/export", data=group)
    assert response.status_code == 302, response.status_code
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    link = re.search(r'href="([^"]+/download)"', page.get_data(as_text=True))
    assert link, "no download link on the zip's page"
    download = client.get(link.group(1))
    assert download.status_code == 200 and download.mimetype == "application/zip"
    return download.data


def _zip_serials(data: bytes) -> set[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {re.search(r"([0-9A-Z]{4}(?:-[0-9A-Z]{4}){3}-[0-9A-Z])\.pdf$", n).group(1) for n in archive.namelist()}


def test_managers_see_and_download_only_certificates_in_their_scope(app, ctx):
    version = load_sample()
    kz, kg = make_country("KZ"), make_country("KG")
    prison_a, prison_b, abroad = signed_institution(kz, "Prison A"), signed_institution(kz, "Prison B"), signed_institution(kg, "Abroad")
    inside = make_user(institution=prison_a, name="Inside Officer")
    beside = make_user(institution=prison_b, name="Beside Officer")
    outside = make_user(institution=abroad, name="Outside Officer")
    inst_manager = make_user(role=Role.MANAGER, institution=prison_a, scope_institution=prison_a)
    country_manager = make_user(role=Role.MANAGER, institution=prison_a, scope_country=kz)
    cohort = Cohort(name="Spring cohort", institution_id=prison_a.id)
    cohort.members = [inside, outside]
    db.session.add(cohort)
    certs = {u.name_latin: certify(u, version) for u in (inside, beside, outside)}
    serial = {name: c.serial for name, c in certs.items()}

    client = app.test_client()
    login(client, inst_manager)
    page = client.get("/certificates/manage").get_data(as_text=True)
    assert "Inside Officer" in page and "Beside Officer" not in page and "Outside Officer" not in page
    searched = client.get(f"/certificates/manage?q={serial['Outside Officer']}").get_data(as_text=True)
    assert "Outside Officer" not in searched and "No certificates found." in searched
    assert client.get(f"/certificates/manage/{serial['Inside Officer']}").status_code == 200
    assert client.get(f"/certificates/manage/{serial['Beside Officer']}").status_code == 404
    assert client.get(f"/certificates/{serial['Inside Officer']}.pdf").status_code == 200
    assert client.get(f"/certificates/{serial['Outside Officer']}.pdf").status_code == 404
    assert client.get(f"/certificates/{serial['Outside Officer']}/badge.json").status_code == 404
    assert _zip_serials(web_zip(client, cohort=cohort.id)) == {serial["Inside Officer"]}
    assert _zip_serials(web_zip(client, institution=prison_a.id)) == {serial["Inside Officer"]}
    assert client.post("/certificates/manage/export", data={"institution": prison_b.id}).status_code == 404
    assert client.post("/certificates/manage/export", data={"institution": abroad.id}).status_code == 404
    # Each zip asked for is on record, like the register export; refused ones are not.
    db.session.expire_all()
    exported = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "certificates.exported")
                                  .order_by(AuditEvent.id)).all()
    assert [(e.actor_id, e.target, e.detail["certificates"]) for e in exported] == [
        (inst_manager.id, f"cohort-{cohort.id}", 1), (inst_manager.id, f"institution-{prison_a.id}", 1)]

    client = app.test_client()
    login(client, country_manager)
    page = client.get("/certificates/manage").get_data(as_text=True)
    assert "Inside Officer" in page and "Beside Officer" in page and "Outside Officer" not in page
    assert _zip_serials(web_zip(client, institution=prison_b.id)) == {serial["Beside Officer"]}
    assert client.post("/certificates/manage/export", data={"institution": abroad.id}).status_code == 404
    export_page = client.get("/certificates/manage/export").get_data(as_text=True)
    assert "Prison B" in export_page and "Abroad" not in export_page


def test_manage_page_queries_do_not_grow_with_certificates(app, ctx):
    from tests.querycount import count_queries

    version = load_sample()
    inst = signed_institution()
    admin = make_user(role=Role.ADMIN, institution=inst)
    certify(make_user(institution=inst), version)
    client = app.test_client()
    login(client, admin)
    with count_queries(app) as few:
        assert client.get("/certificates/manage").status_code == 200
    for _ in range(15):
        certify(make_user(institution=inst), version)
    with count_queries(app) as many:
        assert client.get("/certificates/manage").status_code == 200
    assert len(few) == len(many)


def test_command_line_lists_prints_and_exports_a_scope(app, runner, ctx, tmp_path):
    version = load_sample()
    kz, kg = make_country("KZ"), make_country("KG")
    home, abroad = signed_institution(kz, "Home"), signed_institution(kg, "Abroad")
    here = [make_user(institution=home, name=f"Here {i}") for i in range(3)]
    there = make_user(institution=abroad, name="There 1")
    certs = [certify(u, version) for u in (*here, there)]
    revoked = certs[0]
    revoked.revoked_at = utcnow()
    db.session.commit()

    result = runner.invoke(args=["certificates", "list", "--scope", "country:KZ", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert {c["serial"] for c in listed} == {c.serial for c in certs[:3]}
    assert {c["status"] for c in listed if c["serial"] == revoked.serial} == {"revoked"}
    result = runner.invoke(args=["certificates", "list", "--scope", f"institution:{abroad.id}"])
    assert result.exit_code == 0 and there.name_latin in result.output and "Here" not in result.output
    assert runner.invoke(args=["certificates", "list", "--scope", "planet:Mars"]).exit_code == 2

    out = tmp_path / "one.pdf"
    result = runner.invoke(args=["certificates", "pdf", certs[1].serial.lower(), "--out", str(out), "--lang", "tg"])
    assert result.exit_code == 0, result.output
    assert "Қадамҳои нахуст" in pdf_text(out.read_bytes(), tmp_path)
    assert runner.invoke(args=["certificates", "pdf", revoked.serial, "--out", str(out)]).exit_code == 1

    out = tmp_path / "kz.zip"
    result = runner.invoke(args=["certificates", "export", "--scope", "country:KZ", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert _zip_serials(out.read_bytes()) == {certs[1].serial, certs[2].serial}
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "certificates.exported")).one()
    assert (event.actor_id, event.target, event.detail) == (
        None, "country:KZ", {"certificates": 2, "via": "command"})


@pytest.mark.parametrize("q", ["%", "_", "%%", "a_c%"])
def test_certificate_search_takes_wildcards_literally(app, ctx, q):
    version = load_sample()
    inst = signed_institution()
    plain_officer = make_user(institution=inst, name="Plain Officer")
    odd = make_user(institution=inst, name=f"Odd {q} Officer")
    admin = make_user(role=Role.ADMIN, institution=inst)
    certify(plain_officer, version)
    certify(odd, version)
    client = app.test_client()
    login(client, admin)
    page = client.get("/certificates/manage", query_string={"q": q}).get_data(as_text=True)
    assert "Odd" in page and "Plain Officer" not in page


def test_certificates_of_names_stored_with_control_characters_still_draw(app, ctx):
    from tests.test_reports import stored_hostile_names

    version = load_sample()
    inst = signed_institution()
    admin = make_user(role=Role.ADMIN, institution=inst)
    certs = [certify(make_user(institution=inst, name=name), version) for name in stored_hostile_names()]
    client = app.test_client()
    login(client, admin)
    for cert in certs:
        response = client.get(f"/certificates/{cert.serial}.pdf")
        assert response.status_code == 200 and response.data.startswith(b"%PDF"), cert.name_latin
    assert len(_zip_serials(web_zip(client, institution=inst.id))) == len(certs)
