"""Accessibility of staff pages: scrolling regions reachable by keyboard, lists that wrap."""

import re

from lms.extensions import db
from lms.org.models import Role
from tests.factories import login, make_country, make_user


def test_every_scrolling_table_is_a_focusable_named_region(client, ctx):
    kz = make_country()
    admin = make_user(role=Role.ADMIN, number="root1")
    make_user(role=Role.MANAGER, number="mgr1", scope_country=kz)
    db.session.commit()
    login(client, admin)
    pages = ["/admin/users", "/admin/audit", "/admin/countries", "/admin/institutions", "/cohorts",
             "/reports/dashboard", "/reports/register", "/reports/summary", "/certificates/manage", "/classroom"]
    seen = 0
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        for tag in re.findall(r'<div class="table-wrap"[^>]*>', html):
            seen += 1
            assert 'tabindex="0"' in tag and 'role="region"' in tag, (url, tag)
            assert re.search(r'aria-label="[^"]+"|aria-labelledby="[^"]+"', tag), (url, tag)
    assert seen >= len(pages) - 2


def test_the_roster_column_list_is_a_list_that_wraps(client, ctx):
    admin = make_user(role=Role.ADMIN, number="root1")
    db.session.commit()
    login(client, admin)
    html = client.get("/admin/roster").get_data(as_text=True)
    assert "personnel_number,name_native" not in html
    assert re.search(r'<ul class="columns">(\s*<li>.*?<code dir="ltr">\w+</code></li>){9}', html, re.S)


def test_the_arabic_script_points_its_arrows_along_the_reading_direction_and_says_where(client, ctx):
    from tests.course_helpers import COURSE, load_sample

    load_sample()
    trainer = make_user(role=Role.TRAINER, number="tr-ar", locale="ar")
    db.session.commit()
    login(client, trainer)
    html = client.get(f"/courses/{COURSE}/modules/02-role-play-admission/script").get_data(as_text=True)
    assert '<span aria-hidden="true">←</span>' in html and "→" not in html
    assert re.search(r'<a href="#node-[^"]+">[^<]*\D[^<]*</a>', html)  # words, not a bare number
