"""report indexes end with the id the reports join on: users' breakdown keys, enrolments' completion dates

The dashboard joins the officers in a viewer's scope to their enrolments by account id.
With the id at the end of the index on (institution, role, breakdown keys), PostgreSQL
reads those officers from their institutions' entries in the index alone, instead of
reading every account and keeping those in scope (the larger part of the dashboard's
work at 100,000 officers, for a manager who sees a whole country). With the officer at the
end of the index on (course, completion date), the completions of the last twelve months
are read from the index alone too. SQLite's indexes hold the row id already.

Revision ID: e5a7c3d9b1f4
Revises: b6e2d4f8a1c3
Create Date: 2026-12-03 16:30:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e5a7c3d9b1f4'
down_revision = 'b6e2d4f8a1c3'
branch_labels = None
depends_on = None

USERS_OLD = ['institution_id', 'role', 'gender', 'service', 'position']
ENROLMENTS_OLD = ['course_id', 'completed_at']
INDEXES = {
    'users': ('ix_users_institution_role_keys', USERS_OLD, [*USERS_OLD, 'id']),
    'enrolments': ('ix_enrolments_course_completed', ENROLMENTS_OLD, [*ENROLMENTS_OLD, 'user_id']),
}


def _refresh_statistics():
    """On SQLite, the statistics of a database ANALYZE ran on (sqlite_stat1) have nothing on
    a recreated index until the next ANALYZE, and the planner then takes it for cheaper than
    it is (the dashboard read every enrolment of a course through the table, twice as slow):
    gather them again for these two tables. A database never analyzed is left so."""
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite' and bind.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first():
        for table in INDEXES:
            op.execute(f'ANALYZE {table}')


def upgrade():
    for table, (name, _old, new) in INDEXES.items():
        op.drop_index(name, table_name=table)
        op.create_index(name, table, new, unique=False)
    _refresh_statistics()


def downgrade():
    for table, (name, old, _new) in INDEXES.items():
        op.drop_index(name, table_name=table)
        op.create_index(name, table, old, unique=False)
    _refresh_statistics()
