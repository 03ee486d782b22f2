"""grade outbox, path completion columns, shared access-token cache

Revision ID: 0013_grade_outbox
Revises: 0012
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0018_grade_outbox"
down_revision = "0017_progress_grace"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "grade_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("path_id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("score_given", sa.Float(), nullable=False),
        sa.Column("score_maximum", sa.Float(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("needs_check", sa.Boolean(), nullable=False),
        sa.Column("claim", sa.String(length=32), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_grade_outbox_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["path_id"],
            ["paths.id"],
            name=op.f("fk_grade_outbox_path_id_paths"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_grade_outbox_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["step_id"],
            ["steps.id"],
            name=op.f("fk_grade_outbox_step_id_steps"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grade_outbox")),
        sa.UniqueConstraint(
            "course_id",
            "resource_id",
            "person_id",
            name=op.f("uq_grade_outbox_course_id_resource_id_person_id"),
        ),
    )
    with op.batch_alter_table("grade_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_grade_outbox_due", ["state", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_grade_outbox_path_id"), ["path_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_grade_outbox_person_id"), ["person_id"], unique=False)

    op.create_table(
        "path_line_item_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("path_id", sa.Integer(), nullable=False),
        sa.Column("line_item_url", sa.String(length=1000), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("score_maximum", sa.Integer(), nullable=False),
        sa.Column("notice", sa.String(length=500), nullable=True),
        sa.Column("creating_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_path_line_item_links_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["path_id"],
            ["paths.id"],
            name=op.f("fk_path_line_item_links_path_id_paths"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_path_line_item_links")),
        sa.UniqueConstraint(
            "course_id", "path_id", name=op.f("uq_path_line_item_links_course_id_path_id")
        ),
    )
    with op.batch_alter_table("path_line_item_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_path_line_item_links_path_id"), ["path_id"], unique=False
        )

    with op.batch_alter_table("line_item_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("creating_until", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "service_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("scope_key", sa.String(length=64), nullable=False),
        sa.Column("token", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fetching_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_service_tokens_platform_id_platforms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_tokens")),
        sa.UniqueConstraint(
            "platform_id", "scope_key", name=op.f("uq_service_tokens_platform_id_scope_key")
        ),
    )


def downgrade():
    op.drop_table("service_tokens")
    with op.batch_alter_table("line_item_links", schema=None) as batch_op:
        batch_op.drop_column("creating_until")
        batch_op.drop_column("notice")
    op.drop_table("path_line_item_links")
    op.drop_table("grade_outbox")
