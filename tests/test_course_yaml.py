"""Course YAML is read with libyaml's safe loader when there is one: the same data, and the
same line-and-column messages, as the pure-Python loader."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lms.catalog import spec

COURSES = Path(__file__).resolve().parent.parent / "courses"


def test_the_fast_loader_is_used_when_available():
    assert spec.SAFE_LOADER is getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@pytest.mark.parametrize("folder", sorted(p.name for p in COURSES.iterdir() if p.is_dir()))
def test_both_loaders_read_every_shipped_course_alike(monkeypatch, folder):
    fast = spec.read_course(COURSES / folder)
    monkeypatch.setattr(spec, "SAFE_LOADER", yaml.SafeLoader)
    assert spec.read_course(COURSES / folder) == fast


def test_malformed_yaml_is_reported_with_its_line_and_column(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "course.yaml").write_text("id: broken\ntitle: {en: [unclosed\n", encoding="utf-8")
    _course, problems = spec.read_course(folder)
    assert problems[0].field.startswith("line ") and "column" in problems[0].field
    assert problems[0].message.startswith("malformed YAML")
    with pytest.raises(yaml.YAMLError):
        spec.parse_yaml("!!python/object:os.system {}")
