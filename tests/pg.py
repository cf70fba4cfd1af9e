"""Start and stop a private PostgreSQL 15 server for the test run.

PostgreSQL refuses to run as root, so when the tests run as root the server runs as the
`postgres` account, on a private socket directory and port under a temporary folder.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PG_BIN = Path(os.environ.get("LMS_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


class PostgresServer:
    def __init__(self, durable: bool = False) -> None:
        """durable: every commit synced to disk before it is acknowledged, as in production
        (the benches); the test suite runs without, for speed."""
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError(
                f"PostgreSQL server binaries not found in {PG_BIN}; install Debian's postgresql package"
            )
        self.root = Path(tempfile.mkdtemp(prefix="lms-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.durable = durable
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        os.chmod(self.root, 0o755)  # noqa: S103 (the server account must enter it)

    def start(self) -> str:
        subprocess.run(
            _as_server_user([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "lms",
                             "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]),
            check=True, stdout=subprocess.DEVNULL,
        )
        opts = (f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                f"-c unix_socket_directories={self.root} -c max_connections=60")
        if not self.durable:
            opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        subprocess.run(
            _as_server_user([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", opts,
                             "-l", str(self.root / "server.log"), "-w", "start"]),
            check=True, stdout=subprocess.DEVNULL,
        )
        url = f"postgresql+psycopg://lms@127.0.0.1:{self.port}/postgres"
        self._wait(url)
        return url

    def _wait(self, url: str) -> None:
        import sqlalchemy as sa

        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        try:
            for _ in range(50):
                try:
                    with engine.connect():
                        return
                except sa.exc.OperationalError:
                    time.sleep(0.1)
        finally:
            engine.dispose()
        raise RuntimeError("PostgreSQL did not start")

    def stop(self) -> None:
        subprocess.run(
            _as_server_user([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]),
            check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(self.root, ignore_errors=True)
