"""Instructions per request of each officer page, counted by valgrind: a measure that the
neighbours on a shared machine do not move.

Run: `.venv/bin/python bench/instructions.py` (or name pages: `... lesson quiz`). Needs
valgrind (`apt-get install valgrind`). Each page is requested through the test client of a
warm app (the same data and sign-in as bench/request_cost.py), once 50 times and once 150
times, each in its own process under `valgrind --tool=cachegrind --cache-sim=no`; the
difference of the two totals over 100 is the page's instructions per request, startup and
warm-up cancelling out. Two runs of the same code agree within about 0.3 %; CPU time on a
shared 2-core machine varied by 20 % between identical runs. About a minute per page.

Printed: millions of instructions per request, and the sign-in page's count over the page's
(the ratio of requests per second that the same work would give). Instructions are not
time: C code (compression, hashing) does more per cycle than Python, so confirm a change with
`make bench` on a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.request_cost import HEADERS, PAGES, prepare, signed_in_client  # noqa: E402

FEW, MANY = 50, 150


def child(page: str, n: int) -> None:
    """Inside valgrind: a warm app, then n requests of the page."""
    from lms import create_app

    app = create_app()
    anonymous, client = app.test_client(), signed_in_client(app)
    for _ in range(3):
        for key, path in PAGES.items():
            (anonymous if key == "login" else client).get(path, headers=HEADERS)
    who = anonymous if page == "login" else client
    for _ in range(n):
        assert who.get(PAGES[page], headers=HEADERS).status_code == 200


def count(page: str, n: int, env: dict) -> int:
    out = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
         sys.executable, __file__, "--child", page, str(n)],
        env=env, capture_output=True, text=True, timeout=900)
    found = re.search(r"I\s+refs:\s+([\d,]+)", out.stderr)
    if out.returncode != 0 or found is None:
        raise SystemExit(f"{page} × {n} failed under valgrind:\n{out.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("pages", nargs="*", help=f"pages to count, of {', '.join(PAGES)} (default: all)")
    parser.add_argument("--data", type=Path, help="keep the prepared database in this folder and reuse it")
    parser.add_argument("--child", nargs=2, metavar=("PAGE", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    if unknown := set(args.pages) - set(PAGES):
        parser.error(f"no such page: {', '.join(sorted(unknown))}")
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed: apt-get install valgrind")
    tmp = args.data or Path(tempfile.mkdtemp(prefix="lms-instructions-"))
    tmp.mkdir(exist_ok=True)
    env = dict(os.environ, LMS_INSTANCE_PATH=str(tmp), LMS_DATABASE_URL=f"sqlite:///{tmp / 'cost.sqlite3'}",
               LMS_RATELIMIT_ENABLED="0", PYTHONHASHSEED="0")
    if not (tmp / "cost.sqlite3").exists():
        os.environ.update({k: env[k] for k in ("LMS_INSTANCE_PATH", "LMS_DATABASE_URL", "LMS_RATELIMIT_ENABLED")})
        prepare(tmp, 0)
    pages = args.pages or list(PAGES)
    if "login" not in pages:
        pages = ["login", *pages]
    # Once without valgrind first, so that both counted runs find what a first start writes
    # (compiled templates in the instance folder) already there.
    subprocess.run([sys.executable, __file__, "--child", "login", "1"], env=env, check=True, timeout=300)
    per_request = {}
    for page in pages:
        few = count(page, FEW, env)
        per_request[page] = (count(page, MANY, env) - few) / (MANY - FEW)
    print(f"instructions per request (valgrind, ({MANY} - {FEW} requests) / {MANY - FEW}), in millions")
    for page, n in per_request.items():
        print(f"  {page:14} {n / 1e6:7.2f} M   {per_request['login'] / n:5.2f} × sign-in")


if __name__ == "__main__":
    main()
