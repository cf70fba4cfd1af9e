"""user search key: names and personnel number folded for search in every script

Revision ID: 3c1f0a9e5b21
Revises: 75e5d5f47e4b
Create Date: 2026-12-02 20:10:00

"""
from alembic import op
import sqlalchemy as sa

from lms.org.search import search_key

# revision identifiers, used by Alembic.
revision = '3c1f0a9e5b21'
down_revision = '75e5d5f47e4b'
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_key', sa.String(length=480), server_default='', nullable=False))
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('name_native', sa.String),
                     sa.column('name_latin', sa.String), sa.column('personnel_number', sa.String),
                     sa.column('search_key', sa.String))
    conn = op.get_bind()
    last = 0
    while True:  # in batches of ids, so a large table never sits in memory at once
        rows = conn.execute(
            sa.select(users.c.id, users.c.name_native, users.c.name_latin, users.c.personnel_number)
            .where(users.c.id > last).order_by(users.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        conn.execute(
            users.update().where(users.c.id == sa.bindparam('uid')).values(search_key=sa.bindparam('key')),
            [{'uid': r.id, 'key': search_key(r.name_native, r.name_latin, r.personnel_number)} for r in rows],
        )
        last = rows[-1].id


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('search_key')
