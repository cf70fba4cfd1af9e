"""XLIFF exchange: round trip on the web and the command line, refusals that write nothing."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa

from lms.authoring import drafts, packages
from lms.extensions import db
from lms.translation import records
from lms.translation.segments import course_text
from lms.translation.xliff import read
from tests.authoring_helpers import database_state, make_editor
from tests.course_helpers import COURSE, load_sample
from tests.factories import login

MODULE = "01-admission-basics"


def _files() -> dict[str, bytes]:
    db.session.expire_all()
    return drafts.files_of(drafts.revision(drafts.draft_of(COURSE)))


def _status(lang: str) -> dict[str, records.Row]:
    files = _files()
    return {r.key: r for r in records.rows(files, course_text(files), lang)}


def _session(client):
    load_sample()
    editor = make_editor(COURSE)
    drafts.open_draft(editor, COURSE)
    db.session.commit()
    login(client, editor)
    return editor


def _upload(client, data: bytes, lang: str = "kk"):
    return client.post(f"/translation/courses/{COURSE}/{lang}/xliff/import",
                       data={"file": (io.BytesIO(data), "kk.xlf")}, content_type="multipart/form-data")


def _retarget(xlf: bytes, key: str, text: str) -> bytes:
    """The file with one unit's target replaced, as an outside tool would write it."""
    doc = xlf.decode()
    start = doc.index(f'id="{key}"')
    t0 = doc.index("<target", start)
    t1 = doc.index("</target>", t0) + len("</target>")
    from xml.sax.saxutils import escape

    return (doc[:t0] + f'<target state="translated">{escape(text)}</target>' + doc[t1:]).encode()


def test_export_then_import_round_trip_on_the_web(client, ctx):
    _session(client)
    response = client.get(f"/translation/courses/{COURSE}/kk/xliff")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="{COURSE}.kk.xlf"'
    xlf = response.data
    course, version, source, target, units = read(xlf)
    assert (course, version, source, target) == (COURSE, "1", "en", "kk")
    assert len(units) == len(_status("kk")) and all(t for _k, _s, t in units)
    # unchanged file: nothing written, no new revision
    head = drafts.draft_of(COURSE).head
    page = _upload(client, xlf)
    assert page.status_code == 200 and "Written: 0." in page.get_data(as_text=True)
    assert drafts.draft_of(COURSE).head == head
    # one YAML text and one lesson block changed by the outside translator
    title_key = "course.yaml#title"
    block_key = next(k for k, r in _status("kk").items() if r.segment.kind == "paragraph")
    changed = _retarget(_retarget(xlf, title_key, "Алғашқы қадамдар: тұтқынды қабылдау"), block_key,
                        "Жаңа аударма, 54-ереже.")
    page = _upload(client, changed)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Written: 2." in html
    status = _status("kk")
    assert status[title_key].target == "Алғашқы қадамдар: тұтқынды қабылдау"
    assert status[block_key].target == "Жаңа аударма, 54-ереже." and status[block_key].state == "translated"
    assert sum(r.state != "translated" for r in status.values()) == 0
    assert drafts.check(COURSE, _files())[1] == []
    # the checks apply per unit: the source's numbers are missing from the new paragraph
    assert block_key in html and "Numbers of the source missing" in html
    # and what comes out again is what went in
    again = read(client.get(f"/translation/courses/{COURSE}/kk/xliff").data)[4]
    assert {k: t for k, _s, t in again} == {k: t for k, _s, t in read(changed)[4]}


def test_refused_files_write_nothing(client, ctx):
    _session(client)
    xlf = client.get(f"/translation/courses/{COURSE}/kk/xliff").data
    before = database_state()
    cases = {
        b"<xliff><file": "not a well-formed XLIFF",
        xlf.replace(f'original="{COURSE}"'.encode(), b'original="another-course"'): "another course",
        xlf.replace(b'product-version="1"', b'product-version="7"'): "another version",
        xlf.replace(b'target-language="kk"', b'target-language="tg"'): "another language",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xliff version="1.1">&a;</xliff>':
            "not a well-formed XLIFF",
        b"\xff\xfe not xml": "not a well-formed XLIFF",
    }
    for data, message in cases.items():
        page = _upload(client, data)
        assert page.status_code == 422, message
        assert message in page.get_data(as_text=True) and "Nothing was written." in page.get_data(as_text=True)
    assert database_state() == before
    assert client.post(f"/translation/courses/{COURSE}/kk/xliff/import").status_code == 422  # no file


def test_a_unit_whose_source_changed_since_the_export_is_not_written(client, ctx):
    _session(client)
    xlf = client.get(f"/translation/courses/{COURSE}/kk/xliff").data
    files = _files()
    old_block = next(k for k, r in _status("kk").items() if "keep your voice calm." in r.segment.text)
    draft = drafts.draft_of(COURSE)
    lesson = files[f"{MODULE}/lesson.en.md"].decode().replace("keep your voice calm.", "keep your voice low.")
    course_yaml = files["course.yaml"].decode().replace("respectful admission", "safe admission")
    drafts.save(draft, None, draft.head, {f"{MODULE}/lesson.en.md": lesson.encode(),
                                          "course.yaml": course_yaml.encode()})
    db.session.commit()
    summary = "course.yaml#summary"
    changed = _retarget(_retarget(_retarget(xlf, old_block, "Дауысыңызды бәсең ұстаңыз."),
                                  "course.yaml#title", "Жаңа атау"), summary, "Жаңа сипаттама.")
    page = _upload(client, changed)
    html = page.get_data(as_text=True)
    assert "Written: 1." in html and "Not written: 2." in html
    assert "The source changed since the export" in html  # the title: same key, new source
    assert "The course has no such text" in html  # the lesson block: its key went with its text
    status = _status("kk")
    assert status["course.yaml#title"].state == "outdated" and status["course.yaml#title"].target != "Жаңа атау"
    assert status[summary].target == "Жаңа сипаттама."
    assert sum(r.state == "outdated" for r in status.values()) == 2


def test_the_command_line_exports_and_imports(app, runner, ctx, tmp_path):
    load_sample()
    out = tmp_path / "kk.xlf"
    result = runner.invoke(args=["translations", "export", COURSE, "kk", "--out", str(out)])
    assert result.exit_code == 0, result.output
    changed = _retarget(out.read_bytes(), "course.yaml#title", "Жаңа атау")
    (tmp_path / "changed.xlf").write_bytes(changed)
    result = runner.invoke(args=["translations", "import", str(tmp_path / "changed.xlf")])
    assert result.exit_code == 0, result.output
    assert re.search(r"kk: 1 written, \d+ unchanged, 0 not written", result.output)
    assert _status("kk")["course.yaml#title"].target == "Жаңа атау"
    # the record travels in the course's package
    _cid, files = packages.read_zip(packages.export_zip(COURSE, _files()))
    assert "translations.yaml" in files and b"course.yaml#title" in files["translations.yaml"]
    before = database_state()
    (tmp_path / "other.xlf").write_bytes(changed.replace(b'product-version="1"', b'product-version="2"'))
    refused = runner.invoke(args=["translations", "import", str(tmp_path / "other.xlf")])
    assert refused.exit_code == 1 and "another version" in refused.output and "nothing was written" in refused.output
    (tmp_path / "bad.xlf").write_bytes(b"<xliff")
    assert runner.invoke(args=["translations", "import", str(tmp_path / "bad.xlf")]).exit_code == 1
    assert database_state() == before
    assert runner.invoke(args=["translations", "export", COURSE, "xx", "--out", str(out)]).exit_code != 0


def test_translations_survive_publishing_and_courses_load(client, ctx, tmp_path):
    from lms.catalog.loader import load_course_dir
    from lms.catalog.sources import write_folder

    editor = _session(client)
    files = _files()
    draft = drafts.draft_of(COURSE)
    lesson = files[f"{MODULE}/lesson.en.md"].decode().replace("keep your voice calm.", "keep your voice low.")
    drafts.save(draft, editor, draft.head, {f"{MODULE}/lesson.en.md": lesson.encode()})
    drafts.publish(drafts.draft_of(COURSE), editor, "correction", drafts.draft_of(COURSE).head)
    db.session.commit()
    published = drafts.published_files(COURSE)
    assert "translations.yaml" in published
    # the published folder, loaded again with `lms courses load`, keeps the out-of-date flag
    folder = write_folder(published, tmp_path / COURSE)
    assert load_course_dir(folder).outcome == "unchanged"
    info = course_text(published)
    assert sum(r.state == "outdated" for r in records.rows(published, info, "kk")) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(sa.text("translation_marks"))) == 0


def test_the_xliff_library_is_not_loaded_by_a_web_worker_at_start_up():
    """translate-toolkit (about 8 MiB) is loaded by the exchange itself, not by every worker."""
    import subprocess
    import sys

    code = ("import sys; from lms import create_app; create_app(); "
            "print(any(m == 'translate' or m.startswith('translate.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"
