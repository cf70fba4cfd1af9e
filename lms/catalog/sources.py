"""The files of a course folder, kept byte for byte: stored by content hash, listed by manifest.

A manifest maps a path inside the course folder ("course.yaml", "01-x/lesson.ru.md",
"01-x/media/a.png") to the SHA-256 of its bytes. Published versions keep the manifest of
the files they were loaded from, so a course can go out again exactly as it came in; the
web editor's revisions are manifests too.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import Model, db


class ContentBlob(Model):
    """One file's bytes, by their SHA-256; shared by every manifest that holds them."""

    __tablename__ = "content_blobs"

    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)

    def __repr__(self) -> str:
        return f"<ContentBlob {self.sha256[:12]} {self.size} bytes>"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_hidden(path: str) -> bool:
    return any(part.startswith(".") for part in path.split("/"))


def read_folder(folder: Path) -> dict[str, bytes]:
    """Every regular file of a course folder (hidden ones aside), by its path inside it."""
    folder = Path(folder)
    files = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and not path.is_symlink() and not is_hidden(rel):
            files[rel] = path.read_bytes()
    return files


def write_folder(files: dict[str, bytes], folder: Path) -> Path:
    """Write files into folder (which must be new or empty); paths are already checked."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return folder


def store(files: dict[str, bytes]) -> dict[str, str]:
    """Store the bytes not yet stored; return the manifest."""
    manifest = {path: digest(data) for path, data in sorted(files.items())}
    wanted = set(manifest.values())
    have = set(db.session.scalars(sa.select(ContentBlob.sha256).where(ContentBlob.sha256.in_(wanted))))
    added = set()
    for path, sha in manifest.items():
        if sha not in have and sha not in added:
            db.session.add(ContentBlob(sha256=sha, size=len(files[path]), data=files[path]))
            added.add(sha)
    db.session.flush()
    return manifest


def fetch(manifest: dict[str, str]) -> dict[str, bytes]:
    """The files of a manifest, in one query."""
    rows = dict(db.session.execute(
        sa.select(ContentBlob.sha256, ContentBlob.data).where(ContentBlob.sha256.in_(set(manifest.values())))
    ).tuples().all())
    return {path: rows[sha] for path, sha in sorted(manifest.items())}
