"""platforms: origins seen in verified launches (CSP frame-ancestors); launch sessions: when
the deep-linking response was signed (one response per deep-linking launch)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('platforms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('frame_origins', sa.JSON(), nullable=True))
    with op.batch_alter_table('launch_sessions', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('deep_link_answered_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('launch_sessions', schema=None) as batch_op:
        batch_op.drop_column('deep_link_answered_at')
    with op.batch_alter_table('platforms', schema=None) as batch_op:
        batch_op.drop_column('frame_origins')
