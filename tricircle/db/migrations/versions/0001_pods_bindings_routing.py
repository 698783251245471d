"""Pods, tenant bindings, routing entries, and the top's flavors and key pairs.

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
    op.create_table(
        "flavors",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False, unique=True),
        sa.Column("ram", sa.Integer, nullable=False),
        sa.Column("vcpus", sa.Integer, nullable=False),
        sa.Column("disk", sa.Integer, nullable=False),
        sa.Column("ephemeral", sa.Integer, nullable=False),
        sa.Column("swap", sa.Integer, nullable=False),
        sa.Column("rxtx_factor", sa.Float, nullable=False),
        sa.Column("is_public", sa.Boolean, nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("extra_specs", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "flavor_access",
        sa.Column(
            "flavor_id",
            sa.String(255),
            sa.ForeignKey("flavors.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("project_id", sa.String(64), primary_key=True),
    )
    op.create_table(
        "keypairs",
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("public_key", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("keypairs")
    op.drop_table("flavor_access")
    op.drop_table("flavors")
    op.drop_table("routing_entries")
    op.drop_table("pod_bindings")
    op.drop_table("pods")
