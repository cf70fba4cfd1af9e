"""e-mail reminders: an optional address on an account, the last reminder sent per assignment

Revision ID: e7a1c5b9d342
Revises: b6f2d9e4a781
Create Date: 2026-12-03 00:20:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'e7a1c5b9d342'
down_revision = 'b6f2d9e4a781'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no batch copy): the users table has an expression index a copy would reflect.
    op.add_column('users', sa.Column('email', sa.String(length=254), nullable=True))
    op.add_column('enrolments', sa.Column('reminded', sa.String(length=20), server_default='', nullable=False))


def downgrade():
    op.drop_column('enrolments', 'reminded')
    op.drop_column('users', 'email')
