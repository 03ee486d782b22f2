"""partners reach each other: meeting proposals, the email outbox, the email setting, and the
demo LMS's received mail

Revision ID: 0013_partners_mail
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0016_partners_mail'
down_revision = '0015_job_ledger'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_notified_by_email', sa.Boolean(),
                                      server_default=sa.true(), nullable=False))

    op.create_table(
        'meeting_proposals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('pair_id', sa.Integer(), nullable=False),
        sa.Column('proposed_by_id', sa.Integer(), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('duration_minutes', sa.Integer(), nullable=False),
        sa.Column('time_zone', sa.String(length=64), nullable=False),
        sa.Column('uid', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['pair_id'], ['pairs.id'],
                                name=op.f('fk_meeting_proposals_pair_id_pairs'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['proposed_by_id'], ['people.id'],
                                name=op.f('fk_meeting_proposals_proposed_by_id_people'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_proposals')),
        sa.UniqueConstraint('uid', name=op.f('uq_meeting_proposals_uid')),
    )
    op.create_index(op.f('ix_meeting_proposals_pair_id'), 'meeting_proposals',
                    ['pair_id', 'starts_at'], unique=False)

    op.create_table(
        'email_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dedupe_key', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=True),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('to_address', sa.String(length=320), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('text_body', sa.Text(), nullable=False),
        sa.Column('html_body', sa.Text(), nullable=False),
        sa.Column('ics', sa.Text(), nullable=True),
        sa.Column('ics_name', sa.String(length=100), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.String(length=1000), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['course_id'], ['courses.id'],
                                name=op.f('fk_email_outbox_course_id_courses'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'],
                                name=op.f('fk_email_outbox_person_id_people'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_email_outbox')),
        sa.UniqueConstraint('dedupe_key', name=op.f('uq_email_outbox_dedupe_key')),
    )
    op.create_index(op.f('ix_email_outbox_person_id'), 'email_outbox', ['person_id'], unique=False)
    op.create_index(op.f('ix_email_outbox_status'), 'email_outbox',
                    ['status', 'next_attempt_at'], unique=False)

    op.create_table(
        'demo_mail',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('mail_from', sa.String(length=320), nullable=False),
        sa.Column('recipients', sa.JSON(), nullable=False),
        sa.Column('subject', sa.String(length=500), nullable=False),
        sa.Column('message_id', sa.String(length=300), nullable=True),
        sa.Column('text_body', sa.Text(), nullable=False),
        sa.Column('attachments', sa.JSON(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_demo_mail')),
    )
    op.create_index(op.f('ix_demo_mail_received_at'), 'demo_mail', ['received_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_demo_mail_received_at'), table_name='demo_mail')
    op.drop_table('demo_mail')
    op.drop_index(op.f('ix_email_outbox_status'), table_name='email_outbox')
    op.drop_index(op.f('ix_email_outbox_person_id'), table_name='email_outbox')
    op.drop_table('email_outbox')
    op.drop_index(op.f('ix_meeting_proposals_pair_id'), table_name='meeting_proposals')
    op.drop_table('meeting_proposals')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_column('is_notified_by_email')
