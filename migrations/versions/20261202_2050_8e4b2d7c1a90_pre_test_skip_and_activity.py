"""pre-test skip recorded on the enrolment; last activity from every progress event

Revision ID: 8e4b2d7c1a90
Revises: a3c9e1f0b7d2
Create Date: 2026-12-02 20:30:00

An enrolment is in progress from its first progress event on (lms/learning/status.py).
Before, only a completed part set last_activity_at, so an officer who had failed a quiz
showed as not started in reports: fill it from the event log.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '8e4b2d7c1a90'
down_revision = 'a3c9e1f0b7d2'
branch_labels = None
depends_on = None

STATE_OLD = ['course_id', 'user_id', 'completed_at', 'due_on', 'last_activity_at']
STATE_NEW = [*STATE_OLD, 'pre_test_skipped_at']


def upgrade():
    with op.batch_alter_table('enrolments', schema=None, reflect_kwargs={'resolve_fks': False}) as batch_op:
        batch_op.add_column(sa.Column('pre_test_skipped_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_index('ix_enrolments_course_user_state')
        batch_op.create_index('ix_enrolments_course_user_state', STATE_NEW, unique=False)
    op.execute(
        "UPDATE enrolments SET last_activity_at = ("
        " SELECT max(progress_events.at) FROM progress_events"
        " WHERE progress_events.user_id = enrolments.user_id"
        " AND progress_events.course_id = enrolments.course_id)"
        " WHERE last_activity_at IS NULL"
    )


def downgrade():
    with op.batch_alter_table('enrolments', schema=None, reflect_kwargs={'resolve_fks': False}) as batch_op:
        batch_op.drop_index('ix_enrolments_course_user_state')
        batch_op.create_index('ix_enrolments_course_user_state', STATE_OLD, unique=False)
        batch_op.drop_column('pre_test_skipped_at')
