"""tracked jobs: roster syncs and matching runs share heartbeat, progress and row version

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def _shared_columns(batch_op, *, with_progress_done: bool) -> None:
    batch_op.add_column(sa.Column('heartbeat_at', UTC_DATETIME, nullable=True))
    if with_progress_done:
        batch_op.add_column(sa.Column('progress_done', sa.Integer(), nullable=False,
                                      server_default='0'))
    batch_op.add_column(sa.Column('progress_total', sa.Integer(), nullable=True))
    batch_op.add_column(sa.Column('phase', sa.String(length=200), nullable=True))
    batch_op.add_column(sa.Column('row_version', sa.Integer(), nullable=False,
                                  server_default='1'))


def upgrade():
    # Existing rows keep their data: roster syncs' members_seen becomes the shared
    # progress_done; a running row without a heartbeat is judged by its started_at.
    with op.batch_alter_table('roster_syncs', schema=None) as batch_op:
        batch_op.alter_column('members_seen', new_column_name='progress_done',
                              existing_type=sa.Integer(), existing_nullable=False)
        _shared_columns(batch_op, with_progress_done=False)
        batch_op.add_column(sa.Column('members_skipped', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('skipped_reasons', sa.JSON(), nullable=False,
                                      server_default='[]'))
        batch_op.create_index(batch_op.f('ix_roster_syncs_status'), ['status'], unique=False)
    with op.batch_alter_table('roster_syncs', schema=None) as batch_op:
        for column in ('row_version', 'members_skipped', 'skipped_reasons'):
            batch_op.alter_column(column, server_default=None)

    with op.batch_alter_table('matching_runs', schema=None) as batch_op:
        _shared_columns(batch_op, with_progress_done=True)
        batch_op.create_index(batch_op.f('ix_matching_runs_status'), ['status'], unique=False)
    with op.batch_alter_table('matching_runs', schema=None) as batch_op:
        for column in ('progress_done', 'row_version'):
            batch_op.alter_column(column, server_default=None)


def downgrade():
    with op.batch_alter_table('matching_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matching_runs_status'))
        for column in ('row_version', 'phase', 'progress_total', 'progress_done',
                       'heartbeat_at'):
            batch_op.drop_column(column)

    with op.batch_alter_table('roster_syncs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_syncs_status'))
        for column in ('skipped_reasons', 'members_skipped', 'row_version', 'phase',
                       'progress_total', 'heartbeat_at'):
            batch_op.drop_column(column)
        batch_op.alter_column('progress_done', new_column_name='members_seen',
                              existing_type=sa.Integer(), existing_nullable=False)
