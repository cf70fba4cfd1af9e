"""`lms backup` and `lms restore`: a populated database restored into an empty one keeps its
records, its certificates verifiable and its accounts able to sign in (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import stat
import tarfile
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.certificates.keys import app_store, store_for
from lms.certificates.models import Certificate
from lms.certificates.printed import payload, qr_text
from lms.certificates.signing import verify_payload
from lms.extensions import db
from lms.learning.models import CourseCompletion
from lms.org.models import AuditEvent, User
from lms.quizzes.models import QuizAttempt
from tests.course_helpers import load_sample
from tests.factories import login, make_user
from tests.test_certificates import complete_sample

COUNTED = (User, Certificate, CourseCompletion, QuizAttempt)


def _empty_database(source_url: str, tmp_path: Path) -> str:
    """A new, empty database next to the suite's: another SQLite file or another PostgreSQL database."""
    url = sa.engine.make_url(source_url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    name = f"restored_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _counts() -> dict[str, int]:
    return {m.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in COUNTED}


@pytest.fixture
def populated(app, client, ctx):
    """An officer who finished the sample course (quiz, role-play, certificate)."""
    version = load_sample()
    officer = make_user(number="BK-1", name="Aigul Serikkyzy")
    make_user(number="BK-2")
    db.session.commit()
    login(client, officer)
    complete_sample(client, version)
    cert = db.session.scalar(sa.select(Certificate))
    assert cert is not None
    with app.test_request_context():
        signed = qr_text(cert, payload(cert, "en"))
        key_id = app_store().current().id
    return {"serial": cert.serial, "qr": signed, "key": key_id, "counts": _counts()}


@pytest.fixture
def restored_app(app, tmp_path, monkeypatch):
    """A second server: an empty database and an empty instance folder."""
    from lms import create_app

    instance = tmp_path / "new-instance"
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(instance))
    target = _empty_database(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    other = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                        "SERVER_NAME": "localhost", "SQLALCHEMY_DATABASE_URI": target})
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def _run(app, *args):
    """`lms ...` on this app (its own app context: the test's may belong to another app)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def _members(archive: Path) -> dict[str, int]:
    with tarfile.open(archive) as tar:
        return {m.name: m.mode for m in tar.getmembers()}


def test_a_backup_restored_into_an_empty_database_keeps_records_certificates_and_sign_in(
        app, populated, restored_app, tmp_path):
    archive = tmp_path / "nightly.tar.gz"
    result = _run(app, "backup", str(archive))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # personal data
    members = _members(archive)
    assert f"keys/{populated['key']}.pub" in members
    assert not [name for name in members if name.endswith(".key")]  # no private key by default

    result = _run(restored_app, "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert "earlier ones still verify" in result.output
    with restored_app.app_context():
        assert _counts() == populated["counts"]
        # The certificate printed before the backup verifies with the restored public keys,
        # although this server never had the private key.
        keys = store_for(restored_app.instance_path).public_keys()
        assert verify_payload(populated["qr"], keys)["serial"] == populated["serial"]
    client = restored_app.test_client()
    page = client.get(f"/verify/{populated['serial']}").get_data(as_text=True)
    assert "Aigul Serikkyzy" in page
    login(client, "BK-1")
    assert client.get("/learning").status_code == 200

    # A second restore would overwrite the records: refused without --replace.
    again = _run(restored_app, "restore", str(archive))
    assert again.exit_code != 0
    assert "already has" in again.output


def test_private_keys_only_with_the_flag_and_restored_with_mode_0600(app, populated, restored_app, tmp_path):
    archive = tmp_path / "with-keys.tar.gz"
    result = _run(app, "backup", str(archive), "--with-private-keys")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.target == archive.name)) \
            == "backup.created_with_private_keys"
    assert _members(archive)[f"keys/{populated['key']}.key"] == 0o600
    result = _run(restored_app, "restore", str(archive))
    assert result.exit_code == 0, result.output
    key_file = Path(restored_app.instance_path) / "keys" / f"{populated['key']}.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    with restored_app.app_context():
        # The restored server signs with the same key as before: identical QR payloads.
        assert store_for(restored_app.instance_path).current().id == populated["key"]
        cert = db.session.scalar(sa.select(Certificate))
        with restored_app.test_request_context():
            assert qr_text(cert, payload(cert, "en")) == populated["qr"]


def test_dated_backups_in_a_folder_keep_only_the_newest(app, ctx, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    for stamp in ("20260101T010000Z", "20260102T010000Z", "20260103T010000Z"):
        (folder / f"lms-{stamp}.tar.gz").write_bytes(b"old")
    (folder / "keep-me.txt").write_text("not a backup")
    result = _run(app, "backup", "--dir", str(folder), "--keep", "2")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in folder.iterdir())
    assert "keep-me.txt" in names and "lms-20260103T010000Z.tar.gz" in names
    assert "lms-20260101T010000Z.tar.gz" not in names and "lms-20260102T010000Z.tar.gz" not in names
    newest = [n for n in names if n.startswith("lms-2") and n > "lms-20260103T010000Z.tar.gz"]
    assert len(newest) == 1
    with tarfile.open(folder / newest[0]) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["format"] == "lms-backup"
    # Who can read the whole database is an admin's concern: the audit log says a backup was made.
    db.session.expire_all()
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action.like("backup.%"))).all()
    assert [(e.action, e.target, e.actor_id) for e in events] == [("backup.created", newest[0], None)]


def test_restore_refuses_what_is_not_a_backup(restored_app, tmp_path):
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not an archive")
    result = _run(restored_app, "restore", str(bogus))
    assert result.exit_code != 0
    assert "is not a backup archive" in result.output
