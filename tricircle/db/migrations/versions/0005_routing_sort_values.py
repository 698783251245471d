"""Sort values of servers and volumes kept with their routing entries, and their indexes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from tricircle.db.base import sort_text

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_SCOPE = ["project_id", "resource_type", "pod_id"]


def upgrade() -> None:
    op.add_column("routing_entries", sa.Column("sort_created", sort_text(64), nullable=True))
    op.add_column("routing_entries", sa.Column("sort_name", sort_text(255), nullable=True))
    op.create_index("ix_routing_by_created", "routing_entries", [*_SCOPE, "sort_created"])
    op.create_index("ix_routing_by_name", "routing_entries", [*_SCOPE, "sort_name"])


def downgrade() -> None:
    op.drop_index("ix_routing_by_name", "routing_entries")
    op.drop_index("ix_routing_by_created", "routing_entries")
    op.drop_column("routing_entries", "sort_name")
    op.drop_column("routing_entries", "sort_created")
