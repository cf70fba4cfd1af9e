"""enrolment scores: the latest completion's final score and the first pre-test score on the enrolment

The manager's dashboard read both through joins (the completion of the latest version, by
an anti-join, and the first submitted pre-test attempt), about half of the database's work
at 100,000 officers. The columns are filled here from the existing rows, set-based.

Revision ID: b6e2d4f8a1c3
Revises: d1f3a5c7e902
Create Date: 2026-12-03 13:20:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'b6e2d4f8a1c3'
down_revision = 'd1f3a5c7e902'
branch_labels = None
depends_on = None

STATE_OLD = ['course_id', 'user_id', 'completed_at', 'due_on', 'last_activity_at', 'pre_test_skipped_at']
STATE_NEW = [*STATE_OLD, 'final_score', 'pre_test_score']


def upgrade():
    # Nullable columns without a default: no table rewrite on PostgreSQL.
    with op.batch_alter_table('enrolments', schema=None, reflect_kwargs={'resolve_fks': False}) as batch_op:
        batch_op.add_column(sa.Column('final_score', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('pre_test_score', sa.Integer(), nullable=True))
    # The final score of each officer's completion of the latest version they completed.
    op.execute(
        "UPDATE enrolments SET final_score = ("
        " SELECT c.final_score FROM course_completions c"
        " WHERE c.user_id = enrolments.user_id AND c.course_id = enrolments.course_id"
        " AND NOT EXISTS (SELECT 1 FROM course_completions later"
        " WHERE later.user_id = c.user_id AND later.course_id = c.course_id"
        " AND later.course_version > c.course_version))"
        " WHERE EXISTS (SELECT 1 FROM course_completions c"
        " WHERE c.user_id = enrolments.user_id AND c.course_id = enrolments.course_id)"
    )
    # The first pre-test attempt, once submitted (attempts are numbered from 1 per module).
    op.execute(
        "UPDATE enrolments SET pre_test_score = ("
        " SELECT a.score FROM quiz_attempts a"
        " WHERE a.user_id = enrolments.user_id AND a.course_id = enrolments.course_id"
        " AND a.is_pre_test = true AND a.number = 1 AND a.submitted_at IS NOT NULL"
        " ORDER BY a.submitted_at, a.id LIMIT 1)"
        " WHERE EXISTS (SELECT 1 FROM quiz_attempts a"
        " WHERE a.user_id = enrolments.user_id AND a.course_id = enrolments.course_id"
        " AND a.is_pre_test = true AND a.number = 1 AND a.submitted_at IS NOT NULL)"
    )
    with op.batch_alter_table('enrolments', schema=None, reflect_kwargs={'resolve_fks': False}) as batch_op:
        batch_op.drop_index('ix_enrolments_course_user_state')
        batch_op.create_index('ix_enrolments_course_user_state', STATE_NEW, unique=False)


def downgrade():
    with op.batch_alter_table('enrolments', schema=None, reflect_kwargs={'resolve_fks': False}) as batch_op:
        batch_op.drop_index('ix_enrolments_course_user_state')
        batch_op.create_index('ix_enrolments_course_user_state', STATE_OLD, unique=False)
        batch_op.drop_column('pre_test_score')
        batch_op.drop_column('final_score')
