"""course contents: each version's parsed course in a table of its own, stored as UTF-8

Revision ID: c4d8e2a6f1b3
Revises: 5b7c9d1e2f30
Create Date: 2026-12-02 23:00:00

The content column leaves `course_versions`, the row every course page reads, for
`course_contents` (one row per version). Each content is written again as UTF-8 JSON
(Cyrillic and Arabic letters as themselves, not \\uXXXX escapes). Stop the app servers
first: the previous release reads `course_versions.content`.
"""
import json

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c4d8e2a6f1b3'
down_revision = '5b7c9d1e2f30'
branch_labels = None
depends_on = None


def _json_param(bind):
    """A bound parameter that the database stores as JSON from UTF-8 text."""
    if bind.dialect.name == "postgresql":
        return "CAST(:content AS JSON)"
    return ":content"


def _copy(bind, select_sql: str, write_sql: str) -> None:
    """Copy contents one version at a time (each may be megabytes), written as UTF-8 JSON."""
    ids = [row[0] for row in bind.execute(sa.text("SELECT id FROM course_versions ORDER BY id"))]
    for version_id in ids:
        raw = bind.execute(sa.text(select_sql), {"id": version_id}).scalar()
        if raw is None:
            continue
        content = json.loads(raw) if isinstance(raw, str) else raw
        bind.execute(sa.text(write_sql), {"id": version_id, "content": json.dumps(content, ensure_ascii=False)})


def upgrade():
    op.create_table('course_contents',
    sa.Column('course_version_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['course_version_id'], ['course_versions.id'], name=op.f('fk_course_contents_course_version_id_course_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('course_version_id', name=op.f('pk_course_contents'))
    )
    bind = op.get_bind()
    _copy(bind, "SELECT content FROM course_versions WHERE id = :id",
          f"INSERT INTO course_contents (course_version_id, content) VALUES (:id, {_json_param(bind)})")
    with op.batch_alter_table('course_versions', schema=None) as batch_op:
        batch_op.drop_column('content')


def downgrade():
    with op.batch_alter_table('course_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content', sa.JSON(), nullable=True))
    bind = op.get_bind()
    _copy(bind, "SELECT content FROM course_contents WHERE course_version_id = :id",
          f"UPDATE course_versions SET content = {_json_param(bind)} WHERE id = :id")
    with op.batch_alter_table('course_versions', schema=None) as batch_op:
        batch_op.alter_column('content', existing_type=sa.JSON(), nullable=False)
    op.drop_table('course_contents')
