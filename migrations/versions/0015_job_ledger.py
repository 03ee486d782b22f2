"""job ledger: durable jobs are recorded with the change that asks for them

Revision ID: 0013_job_ledger
Revises: 0012
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_job_ledger'
down_revision = '0014_audit_rights'
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "job_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_name", sa.String(length=200), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("last_sent_at", UTC_DATETIME, nullable=True),
        sa.Column("claimed_at", UTC_DATETIME, nullable=True),
        sa.Column("heartbeat_at", UTC_DATETIME, nullable=True),
        sa.Column("finished_at", UTC_DATETIME, nullable=True),
        sa.Column("claim_token", sa.String(length=64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_ledger")),
    )
    op.create_index(
        "ix_job_ledger_status_created_at", "job_ledger", ["status", "created_at"], unique=False
    )


def downgrade():
    op.drop_index("ix_job_ledger_status_created_at", table_name="job_ledger")
    op.drop_table("job_ledger")
