"""scope grants: a trainer's extra country or institution for a period, granted by an admin

Revision ID: b6f2d9e4a781
Revises: c4d8e2a6f1b3
Create Date: 2026-12-03 00:10:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'b6f2d9e4a781'
down_revision = 'c4d8e2a6f1b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scope_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('country_id', sa.Integer(), nullable=True),
    sa.Column('institution_id', sa.Integer(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(country_id IS NULL) <> (institution_id IS NULL)', name=op.f('ck_scope_grants_one_place')),
    sa.ForeignKeyConstraint(['country_id'], ['countries.id'], name=op.f('fk_scope_grants_country_id_countries')),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_scope_grants_granted_by_id_users')),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_scope_grants_institution_id_institutions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_scope_grants_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scope_grants'))
    )
    with op.batch_alter_table('scope_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scope_grants_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('scope_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scope_grants_user_id'))
    op.drop_table('scope_grants')
