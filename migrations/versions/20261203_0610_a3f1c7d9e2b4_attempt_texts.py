"""attempt_texts: what an officer writes in a case-file question (justifications, reasons)

Revision ID: a3f1c7d9e2b4
Revises: f3b8a2c6d914
Create Date: 2026-12-03 06:10:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'a3f1c7d9e2b4'
down_revision = 'f3b8a2c6d914'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attempt_texts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=80), nullable=False),
    sa.Column('part_id', sa.String(length=90), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['quiz_attempts.id'], name=op.f('fk_attempt_texts_attempt_id_quiz_attempts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempt_texts')),
    sa.UniqueConstraint('attempt_id', 'question_id', 'part_id', name=op.f('uq_attempt_texts_attempt_id_question_id_part_id'))
    )
    with op.batch_alter_table('attempt_texts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempt_texts_attempt_id'), ['attempt_id'], unique=False)


def downgrade():
    with op.batch_alter_table('attempt_texts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempt_texts_attempt_id'))
    op.drop_table('attempt_texts')
