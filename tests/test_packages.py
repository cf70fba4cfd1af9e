"""Course packages: exact round trips, and hand-made malicious zips refused whole."""

from __future__ import annotations

import io
import stat
import zipfile

import pytest

from lms.authoring import drafts, packages
from lms.catalog.sources import read_folder
from lms.extensions import db
from lms.org.models import Role
from tests.authoring_helpers import database_state, make_author
from tests.course_helpers import COURSE, SAMPLE, load_sample
from tests.factories import login, make_user


def sample_files() -> dict[str, bytes]:
    return read_folder(SAMPLE)


def zip_of(entries: list[tuple[str | zipfile.ZipInfo, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return buffer.getvalue()


def sample_entries(**replace: bytes) -> list[tuple[str, bytes]]:
    files = sample_files()
    files.update(replace)
    return [(f"{COURSE}/{path}", data) for path, data in files.items()]


def test_export_import_export_gives_the_same_files_byte_for_byte(app, runner, ctx, tmp_path):
    original = packages.export_zip(COURSE, sample_files())
    (tmp_path / "in.zip").write_bytes(original)
    result = runner.invoke(args=["courses", "import", str(tmp_path / "in.zip")])
    assert result.exit_code == 0, result.output
    assert "created (version 1)" in result.output
    result = runner.invoke(args=["courses", "export", COURSE, "--out", str(tmp_path / "out.zip")])
    assert result.exit_code == 0, result.output
    exported = (tmp_path / "out.zip").read_bytes()
    assert exported == original
    _cid, files = packages.read_zip(exported)
    assert files == sample_files()
    # Unpacked, `lms courses check` accepts it; imported again, nothing changes.
    with zipfile.ZipFile(io.BytesIO(exported)) as zf:
        zf.extractall(tmp_path / "unpacked")
    assert runner.invoke(args=["courses", "check", str(tmp_path / "unpacked")]).exit_code == 0
    again = runner.invoke(args=["courses", "import", str(tmp_path / "out.zip")])
    assert "unchanged" in again.output


def test_a_course_loaded_from_files_exports_its_files(app, runner, ctx, tmp_path):
    load_sample()
    runner.invoke(args=["courses", "export", COURSE, "--out", str(tmp_path / "c.zip")])
    assert packages.read_zip((tmp_path / "c.zip").read_bytes())[1] == sample_files()


def test_draft_export_and_web_import_round_trip(client, ctx):
    load_sample()
    admin = make_user(role=Role.ADMIN)
    db.session.commit()
    login(client, admin)
    first = client.get(f"/authoring/courses/{COURSE}/export?draft=1")
    assert first.status_code == 200 and first.mimetype == "application/zip"
    response = client.post("/authoring/import", data={"package": (io.BytesIO(first.data), "c.zip")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    second = client.get(f"/authoring/courses/{COURSE}/export?draft=1")
    assert packages.read_zip(second.data)[1] == packages.read_zip(first.data)[1] == sample_files()


def test_a_web_import_of_a_new_course_makes_a_draft_the_author_edits(client, ctx):
    author = make_author()
    db.session.commit()
    login(client, author)
    data = packages.export_zip(COURSE, sample_files())
    response = client.post("/authoring/import", data={"package": (io.BytesIO(data), "c.zip")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    draft = drafts.draft_of(COURSE)
    assert drafts.files_of(drafts.revision(draft)) == sample_files()
    assert drafts.may_edit(author, COURSE)


def _symlink() -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(f"{COURSE}/01-admission-basics/media/link.svg")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


MALICIOUS = {
    "traversal": (lambda: zip_of([*sample_entries(), (f"{COURSE}/../../evil.md", b"x")]),
                  "../../evil.md", "leads outside the course folder"),
    "absolute": (lambda: zip_of([*sample_entries(), ("/etc/evil.yaml", b"x")]),
                 "/etc/evil.yaml", "absolute path"),
    "link": (lambda: zip_of([*sample_entries(), (_symlink(), b"/etc/passwd")]),
             "link.svg", "A link"),
    "bomb": (lambda: zip_of([*sample_entries(), (f"{COURSE}/01-admission-basics/lesson.xx.md", b"\0" * 5_000_000)]),
             "lesson.xx.md", "zip bomb"),
    "not-utf8": (lambda: zip_of(sample_entries(**{"01-admission-basics/lesson.ru.md": "Прием".encode("cp1251")})),
                 "lesson.ru.md", "not in UTF-8"),
    "nul-in-text": (lambda: zip_of(sample_entries(**{"01-admission-basics/lesson.ru.md": "При\x00ем".encode()})),
                    "lesson.ru.md", "NUL or another control character"),
    "fake-image": (lambda: zip_of(sample_entries(**{"01-admission-basics/media/admission-steps.svg": b"MZ\x90\x00"})),
                   "admission-steps.svg", "not the image its name says"),
    "script-svg": (lambda: zip_of(sample_entries(**{"01-admission-basics/media/admission-steps.svg":
                                                    b'<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>'})),
                   "admission-steps.svg", "holds scripts"),
    "other-file": (lambda: zip_of([*sample_entries(), (f"{COURSE}/run.sh", b"rm -rf /")]),
                   "run.sh", "Not a file of the course format"),
    "two-folders": (lambda: zip_of([*sample_entries(), ("other-course/course.yaml", b"id: other-course\n")]),
                    "", "several folders"),
    "course-format": (lambda: zip_of(sample_entries(**{"01-admission-basics/quiz.yaml": b"id: q\nquestions: []\n"})),
                      "quiz.yaml", "questions"),
    "not-a-zip": (lambda: b"PK\x03\x04 this is not really a zip", "", "not a zip package"),
}


@pytest.mark.parametrize("kind", sorted(MALICIOUS))
def test_a_malicious_package_is_refused_whole_on_the_web_and_the_database_is_unchanged(client, ctx, kind):
    make_zip, where, message = MALICIOUS[kind]
    load_sample()
    admin = make_user(role=Role.ADMIN)
    db.session.commit()
    drafts.open_draft(admin, COURSE)
    db.session.commit()
    before = database_state()
    login(client, admin)
    response = client.post("/authoring/import", data={"package": (io.BytesIO(make_zip()), "c.zip")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page and where in page
    assert database_state() == before


@pytest.mark.parametrize("kind", sorted(MALICIOUS))
def test_a_malicious_package_is_refused_by_the_command_and_the_database_is_unchanged(runner, ctx, tmp_path, kind):
    make_zip, _where, _message = MALICIOUS[kind]
    load_sample()
    before = database_state()
    (tmp_path / "bad.zip").write_bytes(make_zip())
    result = runner.invoke(args=["courses", "import", str(tmp_path / "bad.zip")])
    assert result.exit_code == 1
    assert "refused, the database was left as it was" in result.output
    assert database_state() == before


def test_size_limits_are_checked_whatever_the_headers_say(monkeypatch):
    data = zip_of(sample_entries())
    monkeypatch.setattr(packages, "MAX_FILE_BYTES", 1000)
    with pytest.raises(packages.PackageRefusedError) as caught:
        packages.read_zip(data)
    assert {p.code for p in caught.value.problems} == {"file-too-big"}
    monkeypatch.setattr(packages, "MAX_FILE_BYTES", 10**6)
    monkeypatch.setattr(packages, "MAX_TOTAL_BYTES", 5000)
    with pytest.raises(packages.PackageRefusedError) as caught:
        packages.read_zip(data)
    assert [p.code for p in caught.value.problems] == ["too-big"]


def test_a_header_that_understates_a_file_does_not_let_it_through(monkeypatch):
    monkeypatch.setattr(packages, "MAX_FILE_BYTES", 1000)
    data = bytearray(zip_of([(f"{COURSE}/course.yaml", bytes(range(256)) * 20)]))
    # Rewrite the declared size (central directory and local header) to 10 bytes.
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.infolist()[0]
    central = data.rfind(b"PK\x01\x02")
    data[central + 24:central + 28] = (10).to_bytes(4, "little")
    data[info.header_offset + 22:info.header_offset + 26] = (10).to_bytes(4, "little")
    with pytest.raises(packages.PackageRefusedError) as caught:
        packages.read_zip(bytes(data))
    assert caught.value.problems[0].code in ("file-too-big", "unreadable")


def test_a_refused_package_is_explained_in_the_authors_language(client, ctx):
    admin = make_user(role=Role.ADMIN, locale="ru")
    db.session.commit()
    login(client, admin)
    bad = zip_of(sample_entries(**{"01-admission-basics/quiz.yaml": b"id: q\nquestions: []\n",
                                   "01-admission-basics/lesson.ru.md": "Прием".encode("cp1251")}))
    page = client.post("/authoring/import", data={"package": (io.BytesIO(bad), "c.zip")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Текст не в кодировке UTF-8." in page
    good_text_bad_quiz = zip_of(sample_entries(**{"01-admission-basics/quiz.yaml": b"id: q\nquestions: []\n"}))
    page = client.post("/authoring/import", data={"package": (io.BytesIO(good_text_bad_quiz), "c.zip")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "в тесте должен быть хотя бы один вопрос" in page
