"""Lesson page, quiz submit and sign-in page under gunicorn, as ratios against hello world.

Run: `make bench` (or `.venv/bin/python bench/lesson.py --officers 20000`).
Everything runs on 127.0.0.1; the load generator is wrk with a fixed duration.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
COURSE = "nelson-mandela-rules"
MODULE = "05-restrictions-discipline-sanctions"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn(target: str, env: dict, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [str(VENV / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning", target],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/healthz" if "wsgi" in target else url, timeout=1)  # noqa: S310
            return proc, url
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"{target} did not start")


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=10)


def wrk(url: str, cookie: str | None = None, seconds: int = 10, connections: int = 10) -> dict:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(ROOT / "bench" / "pct.lua")]
    if cookie:
        args += ["-H", f"Cookie: {cookie}"]
    args += ["-H", "Accept-Encoding: gzip", url]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def sign_in(base: str, number: str, password: str) -> tuple[str, urllib.request.OpenerDirector]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"personnel_number": number, "password": password, "csrf_token": token}).encode()
    opener.open(base + "/login", data=data)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, opener


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def prepare(db_url: str, env: dict, officers: int) -> str:
    """Migrate, load the course, make one bench officer (enrolled) and many others."""
    run = lambda *a: subprocess.run([str(VENV / "lms"), *a], cwd=ROOT, env=env, check=True,  # noqa: E731
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run("db", "upgrade")
    run("courses", "load")
    code = f"""
import sqlalchemy as sa
from lms import create_app
from lms.extensions import db
from lms.auth.passwords import hash_password
from lms.org.models import Country, Institution, User
from lms.learning.models import Enrolment
app = create_app()
with app.app_context():
    kz = Country(code="KZ", names={{"en": "Kazakhstan"}}); db.session.add(kz); db.session.flush()
    inst = Institution(country_id=kz.id, kind="prison", names={{"en": "Prison 1"}}); db.session.add(inst); db.session.flush()
    h = hash_password("bench-password-1")
    rows = [dict(personnel_number=f"b{{i}}", password_hash=h, name_native=f"Officer {{i}}", name_latin=f"Officer {{i}}",
                 gender="female" if i % 3 else "male", service="prison", position="Inspector", institution_id=inst.id,
                 role="officer", is_active_account=True, must_change_password=False)
            for i in range({officers})]
    for start in range(0, len(rows), 5000):
        db.session.execute(sa.insert(User), rows[start:start + 5000])
    ids = db.session.scalars(sa.select(User.id)).all()
    db.session.execute(sa.insert(Enrolment), [dict(user_id=i, course_id="{COURSE}") for i in ids])
    db.session.commit()
"""
    subprocess.run([str(VENV / "python"), "-c", code], cwd=ROOT, env=env, check=True)
    return "b0"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--officers", type=int, default=20000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk (make bench does it)")
    tmp = Path(tempfile.mkdtemp(prefix="lms-bench-"))
    env = dict(os.environ, LMS_INSTANCE_PATH=str(tmp), LMS_DATABASE_URL=f"sqlite:///{tmp / 'bench.sqlite3'}",
               LMS_RATELIMIT_ENABLED="0")
    number = prepare(env["LMS_DATABASE_URL"], env, args.officers)
    results = {}
    hello, hello_url = gunicorn("bench.hello:app", env, args.workers)
    try:
        results["hello"] = wrk(hello_url, seconds=args.seconds)
    finally:
        stop(hello)
    app, url = gunicorn("wsgi:app", env, args.workers)
    try:
        cookie, opener = sign_in(url, number, "bench-password-1")
        lesson = f"{url}/courses/{COURSE}/modules/{MODULE}"
        request = urllib.request.Request(lesson, headers={"Cookie": cookie, "Accept-Encoding": "gzip"})
        body = urllib.request.urlopen(request).read()  # noqa: S310
        results["lesson_bytes_on_wire"] = len(body)
        before = {pid: rss_kib(pid) for pid in worker_pids(app.pid)}
        results["lesson"] = wrk(lesson, cookie=cookie, seconds=args.seconds)
        results["login_page"] = wrk(f"{url}/login", seconds=args.seconds)
        results["my_learning"] = wrk(f"{url}/learning", cookie=cookie, seconds=args.seconds)
        after = {pid: rss_kib(pid) for pid in worker_pids(app.pid)}
        results["worker_rss_mib_before"] = round(max(before.values()) / 1024, 1)
        results["worker_rss_mib_after"] = round(max(after.values()) / 1024, 1)
    finally:
        stop(app)
    base = results["hello"]["rps"]
    for key in ("lesson", "login_page", "my_learning"):
        results[key]["ratio_to_hello"] = round(results[key]["rps"] / base, 3)
    results["officers"] = args.officers
    print(json.dumps(results, indent=2))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
