"""Pods, tenant bindings and routing entries.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pods",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False, unique=True),
        sa.Column("region_name", sa.String(255), nullable=False, unique=True),
        sa.Column("az_name", sa.String(255), nullable=False, index=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("endpoints", sa.JSON, nullable=False),
        sa.Column("capabilities", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "pod_bindings",
        sa.Column("project_id", sa.String(64), primary_key=True),
        sa.Column(
            "pod_id", sa.String(36), sa.ForeignKey("pods.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "routing_entries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("resource_type", sa.String(64), nullable=False),
        sa.Column("top_id", sa.String(255), nullable=False),
        sa.Column(
            "pod_id", sa.String(36), sa.ForeignKey("pods.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("bottom_id", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("resource_type", "top_id", "pod_id", name="uq_routing_resource_pod"),
    )
    op.create_index("ix_routing_project_type", "routing_entries", ["project_id", "resource_type"])
    op.create_index("ix_routing_top_id", "routing_entries", ["top_id"])


def downgrade() -> None:
    op.drop_table("routing_entries")
    op.drop_table("pod_bindings")
    op.drop_table("pods")
