"""certificate zips: a group's certificate PDFs built by the task queue, with their progress

Revision ID: d1f3a5c7e902
Revises: a3f1c7d9e2b4
Create Date: 2026-12-03 06:20:00

"""
from alembic import op
import sqlalchemy as sa

from lms.timeutil import UTCDateTime

# revision identifiers, used by Alembic.
revision = 'd1f3a5c7e902'
down_revision = 'a3f1c7d9e2b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'certificate_zips',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=False),
        sa.Column('group_kind', sa.String(length=16), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('parts', sa.Integer(), nullable=False),
        sa.Column('parts_done', sa.Integer(), nullable=False),
        sa.Column('error', sa.String(length=32), nullable=True),
        sa.Column('file_token', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('finished_at', UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_certificate_zips_requested_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_zips')),
        sa.UniqueConstraint('file_token', name=op.f('uq_certificate_zips_file_token')),
    )
    op.create_index(op.f('ix_certificate_zips_requested_by_id'), 'certificate_zips', ['requested_by_id'])
    op.create_index('ix_certificate_zips_status', 'certificate_zips', ['status'])


def downgrade():
    op.drop_index('ix_certificate_zips_status', table_name='certificate_zips')
    op.drop_index(op.f('ix_certificate_zips_requested_by_id'), table_name='certificate_zips')
    op.drop_table('certificate_zips')
