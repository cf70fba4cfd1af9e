"""ix_quiz_attempts_quiz on (course_id, quiz_id), without submitted_at: a submit no longer moves the attempt's entry

The question and case-file reports find a quiz's attempts by course and quiz, then read
each attempt's row for its score, officer and submission anyway; submitted_at in the index
only let them pass over the few attempts still open without reading their rows. It cost
every submit a move of the attempt's entry in the index (2.5 of the 11.7 pages a failing
submit wrote to SQLite's WAL), and on PostgreSQL an UPDATE of an indexed column, which
writes new entries in every index of the table.

Revision ID: 837120b09078
Revises: 69364f0c70b2
Create Date: 2026-12-03 20:10:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '837120b09078'
down_revision = '69364f0c70b2'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_quiz_attempts_quiz', table_name='quiz_attempts')
    op.create_index('ix_quiz_attempts_quiz', 'quiz_attempts', ['course_id', 'quiz_id'], unique=False)


def downgrade():
    op.drop_index('ix_quiz_attempts_quiz', table_name='quiz_attempts')
    op.create_index('ix_quiz_attempts_quiz', 'quiz_attempts', ['course_id', 'quiz_id', 'submitted_at'], unique=False)
