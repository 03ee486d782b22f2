"""roster sync runs: one row per NRPS sync of a course, with progress and the differences link

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 08:35:54.202408

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('roster_syncs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('trigger', sa.String(length=20), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pages_read', sa.Integer(), nullable=False),
    sa.Column('members_seen', sa.Integer(), nullable=False),
    sa.Column('members_added', sa.Integer(), nullable=False),
    sa.Column('members_updated', sa.Integer(), nullable=False),
    sa.Column('members_left', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('differences_url', sa.String(length=2000), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_roster_syncs_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['people.id'], name=op.f('fk_roster_syncs_requested_by_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_syncs'))
    )
    with op.batch_alter_table('roster_syncs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_syncs_course_id'), ['course_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('roster_syncs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_syncs_course_id'))

    op.drop_table('roster_syncs')
