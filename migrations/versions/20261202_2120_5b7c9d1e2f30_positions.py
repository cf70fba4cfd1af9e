"""positions: a list per country, kept by admins and translated; existing free-text values become entries

Revision ID: 5b7c9d1e2f30
Revises: a7c3e9d41f20
Create Date: 2026-12-02 21:00:00

"""
import re

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '5b7c9d1e2f30'
down_revision = 'a7c3e9d41f20'
branch_labels = None
depends_on = None


def _language_of(text):
    if re.search(r"[\u0600-\u06ff]", text):
        return "ar"
    if re.search(r"[әғқңөұүһіӘҒҚҢӨҰҮҺІ]", text):
        return "kk"
    if re.search(r"[ӣӯҳҷӢӮҲҶ]", text):
        return "tg"
    if re.search(r"[\u0400-\u04ff]", text):
        return "ru"
    return "en"


def upgrade():
    positions = op.create_table('positions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('country_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('names', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['country_id'], ['countries.id'], name=op.f('fk_positions_country_id_countries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_positions')),
    sa.UniqueConstraint('country_id', 'key', name=op.f('uq_positions_country_id_key'))
    )
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_positions_country_id'), ['country_id'], unique=False)
    # Every free-text position already given becomes an entry of its country's list, named
    # in the language its letters show; admins translate it into the other languages.
    conn = op.get_bind()
    found = conn.execute(sa.text(
        "SELECT DISTINCT institutions.country_id, users.position FROM users"
        " JOIN institutions ON institutions.id = users.institution_id WHERE users.position <> ''"
    )).all()
    if found:
        conn.execute(positions.insert(), [
            {"country_id": country_id, "key": value, "names": {_language_of(value): value}}
            for country_id, value in found
        ])


def downgrade():
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_positions_country_id'))
    op.drop_table('positions')
