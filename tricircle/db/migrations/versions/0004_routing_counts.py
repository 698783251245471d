"""Per (project, type, pod) counts of routing entries, filled from the entries.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "routing_counts",
        sa.Column("project_id", sa.String(64), primary_key=True),
        sa.Column("resource_type", sa.String(64), primary_key=True),
        sa.Column(
            "pod_id", sa.String(36), sa.ForeignKey("pods.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("entries", sa.Integer, nullable=False),
    )
    op.create_index("ix_routing_counts_type_pod", "routing_counts", ["resource_type", "pod_id"])
    op.execute(
        "INSERT INTO routing_counts (project_id, resource_type, pod_id, entries)"
        " SELECT project_id, resource_type, pod_id, COUNT(*) FROM routing_entries"
        " GROUP BY project_id, resource_type, pod_id"
    )


def downgrade() -> None:
    op.drop_table("routing_counts")
