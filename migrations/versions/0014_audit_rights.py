"""audit log: who (person), from where (launch/admin session), scope (platform, course, person);
append-only enforced by the database too; people.erased_at and programs.anonymised_at (data rights)

Revision ID: 0013_audit_rights
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_audit_rights'
down_revision = '0013_launch_locale'
branch_labels = None
depends_on = None

NEW_INDEXED = ('actor_person_id', 'platform_id', 'course_id', 'person_id')

# The application never updates or deletes an audit event; the database refuses too, so a
# bulk statement, a script or a bug cannot rewrite history either.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
    """CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
]
POSTGRES_TRIGGERS = [
    """CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$""",
    """CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
       FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()""",
    """CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
       FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()""",
]


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_person_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('via', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('platform_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('course_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('person_id', sa.Integer(), nullable=True))
        for column in NEW_INDEXED:
            batch_op.create_index(batch_op.f(f'ix_audit_events_{column}'), [column], unique=False)
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('programs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))
    dialect = op.get_bind().dialect.name
    for statement in {'sqlite': SQLITE_TRIGGERS, 'postgresql': POSTGRES_TRIGGERS}.get(dialect, []):
        op.execute(statement)


def downgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
    with op.batch_alter_table('programs', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        op.execute('DROP TRIGGER IF EXISTS audit_events_no_update')
        op.execute('DROP TRIGGER IF EXISTS audit_events_no_delete')
    elif dialect == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events')
        op.execute('DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events')
        op.execute('DROP FUNCTION IF EXISTS audit_events_append_only()')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        for column in NEW_INDEXED:
            batch_op.drop_index(batch_op.f(f'ix_audit_events_{column}'))
        for column in ('person_id', 'course_id', 'platform_id', 'via', 'actor_person_id'):
            batch_op.drop_column(column)
