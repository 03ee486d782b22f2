"""demo LMS: how each received score counted (applied, duplicate, stale)

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('demo_scores', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counted_as', sa.String(length=20),
                                      server_default='applied', nullable=False))


def downgrade():
    with op.batch_alter_table('demo_scores', schema=None) as batch_op:
        batch_op.drop_column('counted_as')
