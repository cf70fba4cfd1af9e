import json

import sqlalchemy as sa

from lms.extensions import db
from lms.org.models import Role, User


def test_demo_creates_accounts_once_and_prints_them(app, runner, ctx):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    for role in ("officer", "trainer", "manager", "admin"):
        assert role in first.output
    count = db.session.scalar(sa.select(sa.func.count(User.id)))
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == count
    # The same passwords are printed again, from the instance folder.
    assert [line for line in first.output.splitlines() if "officer" in line] == \
           [line for line in second.output.splitlines() if "officer" in line]
    manager = db.session.scalar(sa.select(User).where(User.personnel_number == "manager"))
    assert manager.role == Role.MANAGER and manager.scope_country_id is not None


def test_demo_accounts_can_sign_in(app, runner, client, ctx):
    from pathlib import Path

    runner.invoke(args=["demo"])
    passwords = json.loads((Path(app.instance_path) / "demo-accounts.json").read_text())
    response = client.post("/login", data={"personnel_number": "officer", "password": passwords["officer"]})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_demo_graduate_has_completed_a_course(app, runner, ctx):
    from lms.learning.models import CourseCompletion
    from tests.course_helpers import load_sample

    load_sample()
    runner.invoke(args=["demo"])
    graduate = db.session.scalar(sa.select(User).where(User.personnel_number == "graduate"))
    completion = db.session.scalar(sa.select(CourseCompletion).where(CourseCompletion.user_id == graduate.id))
    assert completion is not None and completion.final_score == 100
    from lms.certificates.models import Certificate

    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.user_id == graduate.id))
    assert certificate is not None and certificate.revoked_at is None
    runner.invoke(args=["demo"])
    assert db.session.scalar(sa.select(sa.func.count(CourseCompletion.id))) == 1


def test_create_admin_with_one_time_password(runner, ctx):
    result = runner.invoke(args=["users", "create-admin", "adm-01", "--name", "Ali"], input="\n\n")
    assert result.exit_code == 0, result.output
    assert "One-time password" in result.output
    admin = db.session.scalar(sa.select(User).where(User.personnel_number == "adm-01"))
    assert admin.role == Role.ADMIN and admin.must_change_password
    again = runner.invoke(args=["users", "create-admin", "adm-01"], input="\n\n")
    assert again.exit_code != 0 and "already in use" in again.output
