"""progress: the at-risk grace period of a path; time zones browsers reported

Revision ID: 0013_progress_grace
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_progress_grace'
down_revision = '0016_partners_mail'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('paths', schema=None) as batch_op:
        batch_op.add_column(sa.Column('at_risk_grace_days', sa.Integer(),
                                      server_default='7', nullable=False))
    op.create_table('viewer_time_zones',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_viewer_time_zones_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_viewer_time_zones'))
    )


def downgrade():
    op.drop_table('viewer_time_zones')
    with op.batch_alter_table('paths', schema=None) as batch_op:
        batch_op.drop_column('at_risk_grace_days')
