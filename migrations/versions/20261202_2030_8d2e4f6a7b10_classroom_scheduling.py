"""classroom sessions scheduled in advance: invited officers, recorded time

Revision ID: 8d2e4f6a7b10
Revises: 3c1f0a9e5b21
Create Date: 2026-12-02 20:30:00

"""
from alembic import op
import sqlalchemy as sa

from lms.timeutil import UTCDateTime

# revision identifiers, used by Alembic.
revision = '8d2e4f6a7b10'
down_revision = '3c1f0a9e5b21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('classroom_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invited', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('recorded_at', UTCDateTime(timezone=True), nullable=True))
    # Every session so far was recorded when it was created, with those present as invited.
    op.execute("UPDATE classroom_sessions SET recorded_at = created_at, invited = attendees")
    with op.batch_alter_table('classroom_sessions', schema=None) as batch_op:
        batch_op.alter_column('invited', existing_type=sa.JSON(), nullable=False)


def downgrade():
    with op.batch_alter_table('classroom_sessions', schema=None) as batch_op:
        batch_op.drop_column('recorded_at')
        batch_op.drop_column('invited')
