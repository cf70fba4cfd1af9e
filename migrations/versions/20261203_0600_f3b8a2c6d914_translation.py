"""translation: who translated and reviewed each segment; glossary terms added in the browser

Revision ID: f3b8a2c6d914
Revises: c4d8e2a61b57
Create Date: 2026-12-03 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3b8a2c6d914'
down_revision = 'c4d8e2a61b57'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('translation_marks',
    sa.Column('course_id', sa.String(length=80), nullable=False),
    sa.Column('lang', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=400), nullable=False),
    sa.Column('translated_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_translation_marks_reviewed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['translated_by_id'], ['users.id'], name=op.f('fk_translation_marks_translated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('course_id', 'lang', 'key', name=op.f('pk_translation_marks'))
    )
    op.create_table('glossary_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('texts', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_glossary_terms_added_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_glossary_terms')),
    sa.UniqueConstraint('key', name=op.f('uq_glossary_terms_key'))
    )


def downgrade():
    op.drop_table('glossary_terms')
    op.drop_table('translation_marks')
