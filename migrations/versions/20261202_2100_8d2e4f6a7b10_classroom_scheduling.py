"""classroom sessions scheduled in advance: invited officers, recorded time

Revision ID: 8d2e4f6a7b10
Revises: 8e4b2d7c1a90
Create Date: 2026-12-02 20:30:00

"""
from alembic import op
import sqlalchemy as sa

from lms.timeutil import UTCDateTime

# revision identifiers, used by Alembic.
revision = '8d2e4f6a7b10'
down_revision = '8e4b2d7c1a90'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD/DROP COLUMN (no batch copy of the table): SQLite has both, and a batch copy
    # would reflect the users table, whose expression index SQLAlchemy cannot reflect.
    op.add_column('classroom_sessions', sa.Column('invited', sa.JSON(), server_default='[]', nullable=False))
    op.add_column('classroom_sessions', sa.Column('recorded_at', UTCDateTime(timezone=True), nullable=True))
    # Every session so far was recorded when it was created, with those present as invited.
    op.execute("UPDATE classroom_sessions SET recorded_at = created_at, invited = attendees")


def downgrade():
    op.drop_column('classroom_sessions', 'recorded_at')
    op.drop_column('classroom_sessions', 'invited')
