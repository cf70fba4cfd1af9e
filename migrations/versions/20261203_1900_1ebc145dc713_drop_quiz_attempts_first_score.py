"""drop ix_quiz_attempts_first_score: no query reads quiz attempts by course and pre-test any more

The reports read each enrolment's first pre-test score from the enrolment row (b6e2d4f8a1c3),
and the queries left that filter attempts on is_pre_test start from the officer
(user_id, course_id: the unique constraint's index). On PostgreSQL the index had no scans
after every report page; every attempt started and every submit (submitted_at, score) still
wrote an entry in it.

Revision ID: 1ebc145dc713
Revises: e5a7c3d9b1f4
Create Date: 2026-12-03 19:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '1ebc145dc713'
down_revision = 'e5a7c3d9b1f4'
branch_labels = None
depends_on = None

COLUMNS = ['course_id', 'is_pre_test', 'number', 'user_id', 'submitted_at', 'score']


def upgrade():
    op.drop_index('ix_quiz_attempts_first_score', table_name='quiz_attempts')


def downgrade():
    op.create_index('ix_quiz_attempts_first_score', 'quiz_attempts', COLUMNS, unique=False)
