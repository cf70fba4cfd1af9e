"""drop the attempt_id indexes of attempt_answers and attempt_texts: each table's unique constraint starts with attempt_id

Every lookup of an attempt's answers or texts (by attempt_id, with or without the question)
is served by the unique index on (attempt_id, question_id[, part_id]); the index on
attempt_id alone only doubled the writes: every submit inserts an entry in both for each of
its answers.

Revision ID: 69364f0c70b2
Revises: 1ebc145dc713
Create Date: 2026-12-03 20:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '69364f0c70b2'
down_revision = '1ebc145dc713'
branch_labels = None
depends_on = None

TABLES = ('attempt_answers', 'attempt_texts')


def upgrade():
    for table in TABLES:
        op.drop_index(f'ix_{table}_attempt_id', table_name=table)


def downgrade():
    for table in TABLES:
        op.create_index(f'ix_{table}_attempt_id', table, ['attempt_id'], unique=False)
