"""Managers: XLSX exports with a title, real dates and numbers; charts that never overlap."""

import io

from lms.reports import charts
from tests.factories import login
from tests.test_reports import A, build_world


def test_the_register_in_xlsx_has_a_title_row_a_frozen_header_real_dates_and_numbers(client, ctx):
    from openpyxl import load_workbook

    world = build_world()
    login(client, world.country_manager)
    r = client.get(f"/reports/register/export.xlsx?course={A}")
    sheet = load_workbook(io.BytesIO(r.data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Completion register"
    assert any("Scope:" in (row[0] or "") and "Country KZ" in row[0] for row in rows[:4])
    assert any((row[0] or "").startswith("Filters:") and A in row[0] for row in rows[:4])
    header_row = next(i for i, row in enumerate(rows) if row[0] == "Name") + 1
    assert sheet.freeze_panes == f"A{header_row + 1}"
    headers = rows[header_row - 1]
    enrolled = headers.index("Enrolled on")
    final = headers.index("Final score")
    data = rows[header_row:]
    assert all(hasattr(row[enrolled], "year") for row in data)
    assert any(isinstance(row[final], int) for row in data)
    assert sheet.column_dimensions["A"].width >= 10


def test_month_labels_are_thinned_so_neighbours_never_touch():
    points = [(f"сентябрь {2026}", n) for n in range(12)]
    svg = str(charts.columns("c", "t", "d", points))
    labels = svg.count(">сентябрь 2026</text>")
    assert 1 <= labels < 12
    slot = charts.WIDTH / 12
    step = 12 // labels if labels else 12
    assert charts.text_width("сентябрь 2026") + 6 <= step * slot + slot


def test_a_long_institution_name_is_shortened_with_the_full_name_kept():
    name = "Муассисаи ислоҳии рақами 3-и шаҳри Душанбе барои маҳкумшудагони занона"
    svg = str(charts.stacked_bars("c", "t", "d", [(name, [1, 2, 3, 4])], [("a", "#000")] * 4))
    assert f"<title>{name}</title>" in svg and "…" in svg


def test_the_course_page_labels_study_time_and_certificate_hours_apart(client, ctx):
    from lms.extensions import db
    from lms.org.models import Role
    from tests.course_helpers import COURSE, load_sample
    from tests.factories import make_user

    load_sample()  # estimated 30 minutes; the certificate states 1 training hour
    manager = make_user(role=Role.ADMIN, number="adm-1")
    db.session.commit()
    login(client, manager)
    page = client.get(f"/courses/{COURSE}").get_data(as_text=True)
    assert "Estimated study time: about 30 minutes" in page  # a plural-aware duration
    assert "Training hours on the certificate: 1" in page
