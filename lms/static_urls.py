"""Static file URLs that carry a hash of the file's content.

`url_for('static', filename='lms.css')` becomes `/static/lms.css?v=<12 hex digits>`, so a
reverse proxy may let browsers keep static files for a year (deploy/nginx/lms.conf): a
changed file gets a new URL on the next release.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask


def content_hash(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    except OSError:
        return None


def init_app(app: Flask) -> None:
    folder = Path(app.static_folder or "")
    cache: dict[str, str | None] = {}

    @app.url_defaults
    def hashed_static(endpoint: str, values: dict) -> None:
        if endpoint != "static" or "v" in values:
            return
        filename = values.get("filename", "")
        if app.debug or filename not in cache:
            target = (folder / filename).resolve()
            # Only files inside the static folder are read.
            inside = target.is_relative_to(folder.resolve())
            cache[filename] = content_hash(target) if inside else None
        if version := cache[filename]:
            values["v"] = version
