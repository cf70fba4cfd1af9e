"""enrolments: the version an officer who started before a new version finishes on

Revision ID: c4d8e2a61b57
Revises: e7a1c5b9d342
Create Date: 2026-12-03 00:30:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c4d8e2a61b57'
down_revision = 'e7a1c5b9d342'
branch_labels = None
depends_on = None


def upgrade():
    # A nullable column without a default: no table rewrite, no long lock.
    with op.batch_alter_table('enrolments', schema=None, reflect_kwargs={'resolve_fks': False}) as batch_op:
        batch_op.add_column(sa.Column('held_version', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('enrolments', schema=None, reflect_kwargs={'resolve_fks': False}) as batch_op:
        batch_op.drop_column('held_version')
