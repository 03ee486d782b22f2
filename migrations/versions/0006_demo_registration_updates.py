"""demo LMS: registration tokens that update a registered tool (Moodle's reg-update)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('demo_registration_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updates_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_demo_registration_tokens_updates_id_demo_tool_registrations'),
            'demo_tool_registrations', ['updates_id'], ['id'], ondelete='CASCADE')


def downgrade():
    with op.batch_alter_table('demo_registration_tokens', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_demo_registration_tokens_updates_id_demo_tool_registrations'),
            type_='foreignkey')
        batch_op.drop_column('updates_id')
