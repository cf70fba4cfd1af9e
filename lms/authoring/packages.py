"""Course packages: a zip holding exactly one course folder, checked whole before use.

Reading a package never trusts it: every entry is checked (no path outside the folder,
no absolute path, no link, no file over the size limit, no compression bomb, text in
UTF-8, images that are what their bytes say), then the course-format check runs on the
files; any problem refuses the whole package with a message per file.
"""

from __future__ import annotations

import io
import re
import stat
import zipfile
from dataclasses import dataclass

from lms.authoring.images import image_kind, svg_problem
from lms.catalog.spec import ID_RE

MAX_FILES = 2000
MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_TOTAL_BYTES = 64 * 1024 * 1024
MAX_RATIO = 100  # uncompressed / compressed, for entries big enough to matter
RATIO_FLOOR = 64 * 1024
TEXT_SUFFIXES = (".yaml", ".yml", ".md")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".svg")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class PackageProblem:
    file: str  # the entry's name in the zip, or '' for the whole package
    code: str  # what is wrong, turned into a translated message by the view
    detail: str = ""


# The same problems in English, for the command line (the web shows them translated).
PACKAGE_MESSAGES = {
    "not-a-zip": "not a zip package",
    "too-many-files": "too many files",
    "too-big": "too large when unpacked",
    "absolute-path": "absolute path: every file must be inside the course folder",
    "outside-folder": "path leads outside the course folder",
    "bad-name": "file name not allowed",
    "link": "a link: packages may hold only plain files",
    "encrypted": "encrypted file",
    "outside-course-folder": "file outside the course folder",
    "file-too-big": "file larger than allowed",
    "bomb": "compressed suspiciously well (zip bomb)",
    "duplicate": "the same file twice",
    "unknown-file": "not a file of the course format",
    "unreadable": "cannot be unpacked",
    "not-utf8": "text is not UTF-8",
    "control-character": "text holds a NUL or another control character",
    "not-an-image": "not the image its name says",
    "unsafe-svg": "SVG with scripts, handlers or outside references",
    "image-outside-media": "images belong in a module's media folder",
    "several-folders": "several folders: a package holds exactly one course folder",
    "empty": "no course in the package",
    "bad-course-id": "folder name is not a valid course id",
}


class PackageRefusedError(Exception):
    def __init__(self, problems: list[PackageProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def export_zip(course_id: str, files: dict[str, bytes]) -> bytes:
    """The course folder as a zip: sorted entries, fixed dates, so equal files give equal bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(files):
            info = zipfile.ZipInfo(f"{course_id}/{path}", date_time=ZIP_DATE)
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, files[path])
    return buffer.getvalue()


def _is_ignored(name: str) -> bool:
    """Metadata some zip tools add, never course content: skipped, never written."""
    parts = name.rstrip("/").split("/")
    return parts[0] == "__MACOSX" or any(p.startswith(".") and p not in (".", "..") for p in parts)


def _name_problem(name: str) -> str | None:
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or "\\" in name:
        return "absolute-path"
    parts = name.rstrip("/").split("/")
    if any(p == ".." for p in parts):
        return "outside-folder"
    if any(p in ("", ".") for p in parts):
        return "bad-name"
    return None


def read_zip(data: bytes) -> tuple[str, dict[str, bytes]]:
    """Check a package and return (course id, files); raise PackageRefusedError on any problem."""
    problems: list[PackageProblem] = []
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise PackageRefusedError([PackageProblem("", "not-a-zip")]) from None
    if len(infos) > MAX_FILES:
        raise PackageRefusedError([PackageProblem("", "too-many-files", str(MAX_FILES))])
    declared_total = sum(i.file_size for i in infos)
    if declared_total > MAX_TOTAL_BYTES:
        raise PackageRefusedError([PackageProblem("", "too-big", str(MAX_TOTAL_BYTES))])
    tops: set[str] = set()
    files: dict[str, bytes] = {}
    total = 0
    for info in infos:
        name = info.filename
        mode = info.external_attr >> 16
        problem = _name_problem(name)
        if problem:
            problems.append(PackageProblem(name, problem))
            continue
        if _is_ignored(name):
            continue
        if stat.S_ISLNK(mode):
            problems.append(PackageProblem(name, "link"))
            continue
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            problems.append(PackageProblem(name, "encrypted"))
            continue
        top, _, rel = name.partition("/")
        if not rel:
            problems.append(PackageProblem(name, "outside-course-folder"))
            continue
        tops.add(top)
        if info.file_size > MAX_FILE_BYTES:
            problems.append(PackageProblem(name, "file-too-big", str(MAX_FILE_BYTES)))
            continue
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            problems.append(PackageProblem(name, "bomb"))
            continue
        if rel in files:
            problems.append(PackageProblem(name, "duplicate"))
            continue
        lower = rel.lower()
        if not lower.endswith(TEXT_SUFFIXES + IMAGE_SUFFIXES):
            problems.append(PackageProblem(name, "unknown-file"))
            continue
        try:
            with zf.open(info) as fh:
                content = fh.read(MAX_FILE_BYTES + 1)  # headers can lie: read no more than allowed
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError):
            problems.append(PackageProblem(name, "unreadable"))
            continue
        if len(content) > MAX_FILE_BYTES:
            problems.append(PackageProblem(name, "file-too-big", str(MAX_FILE_BYTES)))
            continue
        total += len(content)
        if total > MAX_TOTAL_BYTES:
            raise PackageRefusedError([*problems, PackageProblem("", "too-big", str(MAX_TOTAL_BYTES))])
        if lower.endswith(TEXT_SUFFIXES):
            try:
                text = content.decode("utf-8")
            except UnicodeDecodeError as exc:
                problems.append(PackageProblem(name, "not-utf8", str(exc.start)))
                continue
            # A NUL cannot be stored in PostgreSQL's text, and no control character but
            # tab and line ends belongs in a course text.
            if (control := _CONTROL.search(text)) is not None:
                problems.append(PackageProblem(name, "control-character", str(control.start())))
                continue
        else:
            kind = image_kind(content)
            expected = {"jpg": "jpeg"}.get(lower.rsplit(".", 1)[-1], lower.rsplit(".", 1)[-1])
            if kind != expected:
                problems.append(PackageProblem(name, "not-an-image"))
                continue
            if kind == "svg":
                if svg_problem(content):
                    problems.append(PackageProblem(name, "unsafe-svg"))
                    continue
            if "/media/" not in "/" + rel:
                problems.append(PackageProblem(name, "image-outside-media"))
                continue
        files[rel] = content
    if len(tops) > 1:
        problems.append(PackageProblem("", "several-folders", ", ".join(sorted(tops))))
    if not tops and not problems:
        problems.append(PackageProblem("", "empty"))
    course_id = next(iter(tops)) if len(tops) == 1 else ""
    if course_id and not ID_RE.match(course_id):
        problems.append(PackageProblem(course_id, "bad-course-id"))
    if problems:
        raise PackageRefusedError(problems)
    return course_id, files
