"""demo LMS: the language a launch asks for (launch_presentation.locale)

Revision ID: 0013_launch_locale
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_launch_locale'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('demo_message_hints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=35), nullable=True))


def downgrade():
    with op.batch_alter_table('demo_message_hints', schema=None) as batch_op:
        batch_op.drop_column('locale')
