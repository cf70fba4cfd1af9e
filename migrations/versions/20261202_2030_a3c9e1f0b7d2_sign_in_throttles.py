"""sign-in throttles in the database; personnel numbers unique whatever their case

Revision ID: a3c9e1f0b7d2
Revises: 3c1f0a9e5b21
Create Date: 2026-12-02 20:30:00

The per-account lock (failed_logins, locked_until) gives way to growing delays counted in
sign_in_throttles, by account, by address and by both.
"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'a3c9e1f0b7d2'
down_revision = '3c1f0a9e5b21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sign_in_throttles',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('account', sa.String(length=64), nullable=True),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('next_allowed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_sign_in_throttles')),
    )
    with op.batch_alter_table('sign_in_throttles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_throttles_account'), ['account'], unique=False)
        batch_op.create_index(batch_op.f('ix_sign_in_throttles_last_failure_at'), ['last_failure_at'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('locked_until')
    # Fails when two accounts hold the same number in different case: rename one first.
    op.create_index('uq_users_personnel_number_lower', 'users', [sa.text('lower(personnel_number)')], unique=True)


def downgrade():
    op.drop_index('uq_users_personnel_number_lower', table_name='users')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('sign_in_throttles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_throttles_last_failure_at'))
        batch_op.drop_index(batch_op.f('ix_sign_in_throttles_account'))
    op.drop_table('sign_in_throttles')
