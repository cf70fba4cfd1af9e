"""Backups of the database and the certificate signing keys (`lms backup`, `lms restore`).

A backup is one gzip'd tar archive (written with mode 0600: it holds personal data):

- `manifest.json`: format version, date, database kind, migration revision, what is in it;
- `database.pgdump` (PostgreSQL, `pg_dump --format=custom`) or `database.sqlite3` (SQLite,
  copied page by page through SQLite's online backup API while the app keeps running);
- `keys/*.pub` and `keys/current`: the public halves of every signing key, so every
  certificate ever issued still verifies after a restore;
- only with `--with-private-keys`: `keys/*.key`, the private halves (mode 0600).

The session secret is not in it: after a restore on a new machine everyone signs in again.

PostgreSQL's own tools (Debian's postgresql-client) are run with argument lists; the
password travels in PGPASSWORD, never on a command line.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL

FORMAT = "lms-backup"
FORMAT_VERSION = 1
DATED_NAME = re.compile(r"^lms-\d{8}T\d{6}Z\.tar\.gz$")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class Restored:
    database: str
    revision: str | None
    public_keys: list[str] = field(default_factory=list)
    private_keys: list[str] = field(default_factory=list)
    kept_current_key: str | None = None


# PostgreSQL ---------------------------------------------------------------------------------


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and the environment carrying it."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str]) -> None:
    tool = args[0]
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} not found: install Debian's postgresql-client package.")
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip()[-2000:]}")


def _pg_dump(url: URL, target: Path) -> None:
    conninfo, env = _libpq(url)
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
          f"--file={target}", f"--dbname={conninfo}"], env)


def _pg_restore(url: URL, source: Path, replace: bool) -> None:
    conninfo, env = _libpq(url)
    args = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    if replace:
        args += ["--clean", "--if-exists"]
    _run([*args, f"--dbname={conninfo}", str(source)], env)


# SQLite ---------------------------------------------------------------------------------------


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy a live SQLite database consistently (the online backup API)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        src.close()
        dst.close()


# Archive ----------------------------------------------------------------------------------------


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    info.mtime = int(datetime.now(UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))


def _revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def create(engine: sa.Engine, instance_path: Path, target: Path, with_private_keys: bool) -> dict:
    """Write a backup archive to target (atomically: a temporary file renamed at the end)."""
    url = engine.url
    kind = url.get_backend_name()
    if kind not in ("postgresql", "sqlite"):
        raise BackupError(f"Backups of {kind} databases are not supported.")
    keys = instance_path / "keys"
    pubs = sorted(keys.glob("*.pub")) if keys.is_dir() else []
    privates = sorted(keys.glob("*.key")) if keys.is_dir() and with_private_keys else []
    manifest = {
        "format": FORMAT, "version": FORMAT_VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": kind, "revision": _revision(engine),
        "public_keys": [p.stem for p in pubs],
        "private_keys": [p.stem for p in privates],
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lms-backup-") as work:
        dump = Path(work) / ("database.pgdump" if kind == "postgresql" else "database.sqlite3")
        if kind == "postgresql":
            _pg_dump(url, dump)
        else:
            _sqlite_copy(_sqlite_path(url), dump)
        partial = target.with_name(f".{target.name}.partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=2).encode())
                tar.add(dump, arcname=dump.name)
                for path in pubs:
                    _add_bytes(tar, f"keys/{path.name}", path.read_bytes())
                if (keys / "current").exists():
                    _add_bytes(tar, "keys/current", (keys / "current").read_bytes())
                for path in privates:
                    _add_bytes(tar, f"keys/{path.name}", path.read_bytes(), 0o600)
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return manifest


def dated_name(now: datetime | None = None) -> str:
    return f"lms-{(now or datetime.now(UTC)).strftime('%Y%m%dT%H%M%SZ')}.tar.gz"


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` dated backups in folder (other files are left alone)."""
    dated = sorted(p for p in folder.iterdir() if DATED_NAME.match(p.name))
    doomed = dated[:-keep] if keep > 0 else []
    for path in doomed:
        path.unlink()
    return doomed


# Restore ----------------------------------------------------------------------------------------


def _members(tar: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    """Regular files only, with plain names: nothing can be written outside the target."""
    members = {}
    for info in tar.getmembers():
        if not info.isfile():
            continue
        name = info.name
        if name.startswith("/") or ".." in Path(name).parts:
            raise BackupError(f"Unsafe name in the archive: {name!r}.")
        members[name] = info
    return members


def _read(tar: tarfile.TarFile, info: tarfile.TarInfo) -> bytes:
    handle = tar.extractfile(info)
    assert handle is not None
    return handle.read()


def _user_tables(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return sa.inspect(conn).get_table_names()


def _write_once(path: Path, data: bytes, mode: int) -> bool:
    """Write a new file with this mode; an existing file is left as it is."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return True


def _restore_keys(tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo], instance_path: Path,
                  result: Restored) -> None:
    keys = instance_path / "keys"
    keys.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name, info in members.items():
        if not name.startswith("keys/") or name.count("/") != 1:
            continue
        filename = name.split("/", 1)[1]
        if filename.endswith(".pub"):
            if _write_once(keys / filename, _read(tar, info), 0o644):
                result.public_keys.append(filename[:-4])
        elif filename.endswith(".key"):
            if _write_once(keys / filename, _read(tar, info), 0o600):
                result.private_keys.append(filename[:-4])
    current = members.get("keys/current")
    if current is None:
        return
    kid = _read(tar, current).decode().strip()
    # Only a key whose private half is here can sign: without it, the next signature makes a
    # new key pair, and the restored public keys keep every earlier certificate verifiable.
    if not (keys / f"{kid}.key").exists():
        return
    if not _write_once(keys / "current", kid.encode(), 0o644):
        result.kept_current_key = (keys / "current").read_text().strip()


def restore(engine: sa.Engine, instance_path: Path, source: Path, replace: bool) -> Restored:
    """Restore an archive made by create() into this database and instance folder.

    The database must be empty unless replace is set. Keys are added to the keys folder;
    keys already there are never overwritten.
    """
    url = engine.url
    kind = url.get_backend_name()
    try:
        tar = tarfile.open(source, mode="r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{source} is not a backup archive: {exc}") from exc
    with tar:
        members = _members(tar)
        if "manifest.json" not in members:
            raise BackupError(f"{source} is not a backup archive (no manifest.json).")
        manifest = json.loads(_read(tar, members["manifest.json"]))
        if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
            raise BackupError(f"{source}: unknown backup format {manifest.get('format')!r} "
                              f"version {manifest.get('version')!r}.")
        if manifest["database"] != kind:
            raise BackupError(f"This backup holds a {manifest['database']} database; "
                              f"LMS_DATABASE_URL points to {kind}.")
        tables = _user_tables(engine)
        if tables and not replace:
            raise BackupError(f"The database already has {len(tables)} tables. Restore into an "
                              "empty database, or add --replace to overwrite this one.")
        engine.dispose()
        with tempfile.TemporaryDirectory(prefix="lms-restore-") as work:
            name = "database.pgdump" if kind == "postgresql" else "database.sqlite3"
            if name not in members:
                raise BackupError(f"{source} holds no {name}.")
            dump = Path(work) / name
            dump.write_bytes(_read(tar, members[name]))
            if kind == "postgresql":
                _pg_restore(url, dump, replace)
            else:
                target = _sqlite_path(url)
                target.parent.mkdir(parents=True, exist_ok=True)
                _sqlite_copy(dump, target)
        result = Restored(database=kind, revision=manifest.get("revision"))
        _restore_keys(tar, members, instance_path, result)
    return result

