"""demo LMS: keys, people, courses, tool registrations, launches, tokens, gradebook

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 08:12:05.479740

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('demo_courses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('context_id', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('label', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demo_courses')),
    sa.UniqueConstraint('context_id', name=op.f('uq_demo_courses_context_id'))
    )
    op.create_table('demo_platform_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('flavour', sa.String(length=20), nullable=False),
    sa.Column('kid', sa.String(length=64), nullable=False),
    sa.Column('private_key_pem', sa.Text(), nullable=False),
    sa.Column('public_jwk', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demo_platform_keys')),
    sa.UniqueConstraint('kid', name=op.f('uq_demo_platform_keys_kid'))
    )
    with op.batch_alter_table('demo_platform_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demo_platform_keys_flavour'), ['flavour'], unique=False)

    op.create_table('demo_registration_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('flavour', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('withheld_scopes', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demo_registration_tokens')),
    sa.UniqueConstraint('subject', name=op.f('uq_demo_registration_tokens_subject'))
    )
    op.create_table('demo_settings',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_demo_settings'))
    )
    op.create_table('demo_tool_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('flavour', sa.String(length=20), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('deployment_id', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('initiate_login_uri', sa.String(length=1000), nullable=False),
    sa.Column('target_link_uri', sa.String(length=1000), nullable=False),
    sa.Column('redirect_uris', sa.JSON(), nullable=False),
    sa.Column('jwks_uri', sa.String(length=1000), nullable=False),
    sa.Column('domain', sa.String(length=255), nullable=True),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('claims', sa.JSON(), nullable=False),
    sa.Column('messages', sa.JSON(), nullable=False),
    sa.Column('custom_parameters', sa.JSON(), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demo_tool_registrations')),
    sa.UniqueConstraint('flavour', 'client_id', name=op.f('uq_demo_tool_registrations_flavour_client_id'))
    )
    with op.batch_alter_table('demo_tool_registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demo_tool_registrations_flavour'), ['flavour'], unique=False)

    op.create_table('demo_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('uuid', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('given_name', sa.String(length=255), nullable=True),
    sa.Column('family_name', sa.String(length=255), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('seniority_level', sa.Integer(), nullable=True),
    sa.Column('years_experience', sa.Integer(), nullable=True),
    sa.Column('department', sa.String(length=100), nullable=True),
    sa.Column('job_title', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demo_users')),
    sa.UniqueConstraint('username', name=op.f('uq_demo_users_username')),
    sa.UniqueConstraint('uuid', name=op.f('uq_demo_users_uuid'))
    )
    op.create_table('demo_access_tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('assertion_jti', sa.String(length=255), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['demo_tool_registrations.id'], name=op.f('fk_demo_access_tokens_registration_id_demo_tool_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_demo_access_tokens')),
    sa.UniqueConstraint('registration_id', 'assertion_jti', name=op.f('uq_demo_access_tokens_registration_id_assertion_jti'))
    )
    with op.batch_alter_table('demo_access_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demo_access_tokens_expires_at'), ['expires_at'], unique=False)

    op.create_table('demo_enrollments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['demo_courses.id'], name=op.f('fk_demo_enrollments_course_id_demo_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['demo_users.id'], name=op.f('fk_demo_enrollments_user_id_demo_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demo_enrollments')),
    sa.UniqueConstraint('course_id', 'user_id', name=op.f('uq_demo_enrollments_course_id_user_id'))
    )
    with op.batch_alter_table('demo_enrollments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demo_enrollments_updated_at'), ['updated_at'], unique=False)

    op.create_table('demo_resource_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('resource_link_id', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('url', sa.String(length=1000), nullable=True),
    sa.Column('custom', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['demo_courses.id'], name=op.f('fk_demo_resource_links_course_id_demo_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['demo_tool_registrations.id'], name=op.f('fk_demo_resource_links_registration_id_demo_tool_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demo_resource_links')),
    sa.UniqueConstraint('resource_link_id', name=op.f('uq_demo_resource_links_resource_link_id'))
    )
    with op.batch_alter_table('demo_resource_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demo_resource_links_registration_id'), ['registration_id'], unique=False)

    op.create_table('demo_line_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('resource_link_pk', sa.Integer(), nullable=True),
    sa.Column('label', sa.String(length=500), nullable=False),
    sa.Column('score_maximum', sa.Float(), nullable=False),
    sa.Column('resource_id', sa.String(length=255), nullable=True),
    sa.Column('tag', sa.String(length=255), nullable=True),
    sa.Column('start_date_time', sa.String(length=64), nullable=True),
    sa.Column('end_date_time', sa.String(length=64), nullable=True),
    sa.Column('created_via', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['demo_courses.id'], name=op.f('fk_demo_line_items_course_id_demo_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['demo_tool_registrations.id'], name=op.f('fk_demo_line_items_registration_id_demo_tool_registrations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_link_pk'], ['demo_resource_links.id'], name=op.f('fk_demo_line_items_resource_link_pk_demo_resource_links'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demo_line_items'))
    )
    with op.batch_alter_table('demo_line_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demo_line_items_registration_id'), ['registration_id'], unique=False)

    op.create_table('demo_message_hints',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('flavour', sa.String(length=20), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('resource_link_pk', sa.Integer(), nullable=True),
    sa.Column('message_type', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('nonce', sa.String(length=255), nullable=True),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['demo_courses.id'], name=op.f('fk_demo_message_hints_course_id_demo_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['demo_tool_registrations.id'], name=op.f('fk_demo_message_hints_registration_id_demo_tool_registrations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_link_pk'], ['demo_resource_links.id'], name=op.f('fk_demo_message_hints_resource_link_pk_demo_resource_links'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['demo_users.id'], name=op.f('fk_demo_message_hints_user_id_demo_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demo_message_hints'))
    )
    with op.batch_alter_table('demo_message_hints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demo_message_hints_created_at'), ['created_at'], unique=False)

    op.create_table('demo_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_item_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('score_given', sa.Float(), nullable=True),
    sa.Column('score_maximum', sa.Float(), nullable=True),
    sa.Column('activity_progress', sa.String(length=30), nullable=False),
    sa.Column('grading_progress', sa.String(length=30), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('timestamp', sa.DateTime(timezone=True), nullable=False),
    sa.Column('writes_grade', sa.Boolean(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['line_item_id'], ['demo_line_items.id'], name=op.f('fk_demo_scores_line_item_id_demo_line_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['demo_users.id'], name=op.f('fk_demo_scores_user_id_demo_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demo_scores'))
    )
    with op.batch_alter_table('demo_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demo_scores_line_item_id'), ['line_item_id'], unique=False)



def downgrade():
    with op.batch_alter_table('demo_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demo_scores_line_item_id'))

    op.drop_table('demo_scores')
    with op.batch_alter_table('demo_message_hints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demo_message_hints_created_at'))

    op.drop_table('demo_message_hints')
    with op.batch_alter_table('demo_line_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demo_line_items_registration_id'))

    op.drop_table('demo_line_items')
    with op.batch_alter_table('demo_resource_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demo_resource_links_registration_id'))

    op.drop_table('demo_resource_links')
    with op.batch_alter_table('demo_enrollments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demo_enrollments_updated_at'))

    op.drop_table('demo_enrollments')
    with op.batch_alter_table('demo_access_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demo_access_tokens_expires_at'))

    op.drop_table('demo_access_tokens')
    op.drop_table('demo_users')
    with op.batch_alter_table('demo_tool_registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demo_tool_registrations_flavour'))

    op.drop_table('demo_tool_registrations')
    op.drop_table('demo_settings')
    op.drop_table('demo_registration_tokens')
    with op.batch_alter_table('demo_platform_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demo_platform_keys_flavour'))

    op.drop_table('demo_platform_keys')
    op.drop_table('demo_courses')
