"""matching: programs and their skill catalogue, intake profiles, pairs, vetoes, do-not-pair

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 08:37:45.132890

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('programs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('goals', sa.JSON(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('length_months', sa.Integer(), nullable=False),
    sa.Column('cadence', sa.String(length=20), nullable=False),
    sa.Column('is_pilot', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('seniority_unit', sa.String(length=10), nullable=False),
    sa.Column('seniority_source', sa.String(length=10), nullable=False),
    sa.Column('seniority_claim', sa.String(length=100), nullable=False),
    sa.Column('department_claim', sa.String(length=100), nullable=False),
    sa.Column('min_seniority_gap', sa.Float(), nullable=False),
    sa.Column('exclude_same_department', sa.Boolean(), nullable=False),
    sa.Column('respect_department_preference', sa.Boolean(), nullable=False),
    sa.Column('exclude_same_reporting_line', sa.Boolean(), nullable=False),
    sa.Column('require_shared_language', sa.Boolean(), nullable=False),
    sa.Column('max_timezone_gap_hours', sa.Float(), nullable=True),
    sa.Column('mentor_capacity', sa.Integer(), nullable=False),
    sa.Column('objective', sa.String(length=20), nullable=False),
    sa.Column('weights', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('matching_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_programs_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programs'))
    )
    with op.batch_alter_table('programs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programs_course_id'), ['course_id'], unique=False)

    op.create_table('do_not_pairs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('person_a_id', sa.Integer(), nullable=False),
    sa.Column('person_b_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('person_a_id < person_b_id', name=op.f('ck_do_not_pairs_ordered_people')),
    sa.ForeignKeyConstraint(['person_a_id'], ['people.id'], name=op.f('fk_do_not_pairs_person_a_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_b_id'], ['people.id'], name=op.f('fk_do_not_pairs_person_b_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_do_not_pairs_program_id_programs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_do_not_pairs')),
    sa.UniqueConstraint('program_id', 'person_a_id', 'person_b_id', name=op.f('uq_do_not_pairs_program_id_person_a_id_person_b_id'))
    )
    op.create_table('pair_vetoes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('vetoed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mentee_id'], ['people.id'], name=op.f('fk_pair_vetoes_mentee_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mentor_id'], ['people.id'], name=op.f('fk_pair_vetoes_mentor_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_pair_vetoes_program_id_programs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vetoed_by_id'], ['people.id'], name=op.f('fk_pair_vetoes_vetoed_by_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pair_vetoes')),
    sa.UniqueConstraint('program_id', 'mentor_id', 'mentee_id', name=op.f('uq_pair_vetoes_program_id_mentor_id_mentee_id'))
    )
    op.create_table('pairs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('breakdown', sa.JSON(), nullable=False),
    sa.Column('explanation', sa.JSON(), nullable=False),
    sa.Column('rules_passed', sa.JSON(), nullable=False),
    sa.Column('rules_broken', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('is_manual', sa.Boolean(), nullable=False),
    sa.Column('override_reason', sa.Text(), nullable=True),
    sa.Column('needs_rematch', sa.Boolean(), nullable=False),
    sa.Column('end_reason', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('mentor_id <> mentee_id', name=op.f('ck_pairs_mentor_is_not_mentee')),
    sa.ForeignKeyConstraint(['mentee_id'], ['people.id'], name=op.f('fk_pairs_mentee_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mentor_id'], ['people.id'], name=op.f('fk_pairs_mentor_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_pairs_program_id_programs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pairs'))
    )
    with op.batch_alter_table('pairs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pairs_mentee_id'), ['mentee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pairs_mentor_id'), ['mentor_id'], unique=False)
        batch_op.create_index('ix_pairs_program_id_status', ['program_id', 'status'], unique=False)

    op.create_table('profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('seniority', sa.Float(), nullable=True),
    sa.Column('seniority_source', sa.String(length=10), nullable=True),
    sa.Column('department', sa.String(length=100), nullable=True),
    sa.Column('department_source', sa.String(length=10), nullable=True),
    sa.Column('manager_id', sa.Integer(), nullable=True),
    sa.Column('interests', sa.JSON(), nullable=False),
    sa.Column('goals', sa.JSON(), nullable=False),
    sa.Column('goal_note', sa.Text(), nullable=True),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=True),
    sa.Column('availability', sa.JSON(), nullable=False),
    sa.Column('availability_note', sa.String(length=500), nullable=True),
    sa.Column('open_to_other_department', sa.Boolean(), nullable=False),
    sa.Column('is_champion', sa.Boolean(), nullable=False),
    sa.Column('consents_to_share', sa.Boolean(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['manager_id'], ['people.id'], name=op.f('fk_profiles_manager_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_profiles_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_profiles_program_id_programs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profiles')),
    sa.UniqueConstraint('program_id', 'person_id', name=op.f('uq_profiles_program_id_person_id'))
    )
    with op.batch_alter_table('profiles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_profiles_person_id'), ['person_id'], unique=False)

    op.create_table('skills',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_skills_program_id_programs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skills')),
    sa.UniqueConstraint('program_id', 'name', name=op.f('uq_skills_program_id_name'))
    )
    op.create_table('profile_skills',
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['profiles.id'], name=op.f('fk_profile_skills_profile_id_profiles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_profile_skills_skill_id_skills'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('profile_id', 'skill_id', 'direction', name=op.f('pk_profile_skills'))
    )


def downgrade():
    op.drop_table('profile_skills')
    op.drop_table('skills')
    with op.batch_alter_table('profiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_profiles_person_id'))

    op.drop_table('profiles')
    with op.batch_alter_table('pairs', schema=None) as batch_op:
        batch_op.drop_index('ix_pairs_program_id_status')
        batch_op.drop_index(batch_op.f('ix_pairs_mentor_id'))
        batch_op.drop_index(batch_op.f('ix_pairs_mentee_id'))

    op.drop_table('pairs')
    op.drop_table('pair_vetoes')
    op.drop_table('do_not_pairs')
    with op.batch_alter_table('programs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programs_course_id'))

    op.drop_table('programs')
