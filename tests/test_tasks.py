"""The task queue with a real consumer: `lms worker` in its own process, on the SQLite store
and on the Redis store (a private redis-server on a loopback port)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms import tasks
from lms.certificates import zips
from lms.certificates.models import CertificateZip
from lms.extensions import db
from lms.org.models import Role
from tests.course_helpers import load_sample
from tests.factories import login, make_country, make_user
from tests.redis_server import RedisServer
from tests.test_certificates import _zip_serials, certify, signed_institution

EXPORT = "/certificates/manage/export"


def _start_worker(app, log: Path, redis_url: str | None = None) -> subprocess.Popen:
    env = dict(os.environ, LMS_INSTANCE_PATH=app.instance_path,
               LMS_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               LMS_ZIP_PART_SIZE="2", LMS_TASKS_IMMEDIATE="0")
    env.pop("LMS_REDIS_URL", None)
    if redis_url:
        env["LMS_REDIS_URL"] = redis_url  # the queue in Redis, as on several app servers
    lms = Path(sys.executable).with_name("lms")
    return subprocess.Popen([str(lms), "worker", "--workers", "2"], env=env, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT)


def _stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGINT)  # huey's graceful stop: running tasks finish
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)


@pytest.fixture
def redis_url():
    server = RedisServer()
    yield server.start()
    server.stop()


@pytest.fixture
def redis_app(app, redis_url):
    """The suite's app with its queue in Redis, as a server with LMS_REDIS_URL runs it."""
    from lms import create_app

    twin = create_app({**app.config, "LMS_TASKS_REDIS_URL": redis_url, "LMS_TASKS_IMMEDIATE": False})
    yield twin
    with twin.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_zip_waits_on_the_queue_until_a_real_consumer_makes_it(app, ctx, tmp_path):
    queue = tasks.queue(app)
    queue.immediate = False  # this test is about the queue: the SQLite store in the instance folder
    try:
        _zip_through_a_real_consumer(app, tmp_path)
    finally:
        queue.immediate = True


def test_the_redis_store_serves_a_real_consumer(redis_app, redis_url, app, ctx, tmp_path):
    from huey import RedisHuey

    queue = tasks.queue(redis_app)
    assert isinstance(queue, RedisHuey)
    sqlite_queue = tasks.queue(app)
    sqlite_queue.immediate = False
    try:
        sqlite_queue.flush()
        _zip_through_a_real_consumer(redis_app, tmp_path, redis_url)
        # Nothing went through the SQLite file: the web process and the consumer met in Redis.
        assert len(sqlite_queue) == 0
    finally:
        sqlite_queue.immediate = True


def _zip_through_a_real_consumer(app, tmp_path: Path, redis_url: str | None = None) -> None:
    version = load_sample()
    prison = signed_institution(make_country("KZ"), "Prison A")
    certs = [certify(make_user(institution=prison, name=f"Officer {i}"), version) for i in range(3)]
    manager = make_user(role=Role.MANAGER, institution=prison, scope_institution=prison)
    db.session.commit()

    queue = tasks.queue(app)
    worker = None
    log = tmp_path / "worker.log"
    try:
        queue.flush()
        client = app.test_client()
        login(client, manager)
        response = client.post(EXPORT, data={"institution": prison.id})
        assert response.status_code == 302
        status_url = response.headers["Location"] + "/status"
        # Nothing draws in the web process: the zip waits for a worker.
        assert client.get(status_url).get_json() == {"status": "queued", "done": 0, "total": 3, "download": None}
        assert len(queue) == 1

        worker = _start_worker(app, log, redis_url)
        deadline = time.monotonic() + 120
        state = client.get(status_url).get_json()
        while state["status"] in ("queued", "running") and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.3)
            state = client.get(status_url).get_json()
        assert state["status"] == "done", (state, log.read_text(errors="replace")[-3000:])
        assert (state["done"], state["total"]) == (3, 3)
        download = client.get(state["download"])
        assert download.status_code == 200
        assert _zip_serials(download.data) == {c.serial for c in certs}
        db.session.expire_all()
        job = db.session.scalars(sa.select(CertificateZip)).one()
        # Drawn in two parts (LMS_ZIP_PART_SIZE=2) by the consumer's worker processes, then joined.
        assert (job.parts, job.parts_done) == (2, 2)
        assert [p.name for p in zips.folder(app.instance_path).glob(f"{job.file_token}*")] == [
            f"{job.file_token}.zip"]
    finally:
        if worker is not None:
            _stop(worker)
        queue.flush()
    assert worker.returncode is not None
