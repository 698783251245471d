"""Quotas at the top: limits, class defaults, per-project lock rows, usage per pod,
reservations.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _key(*names: str) -> list[sa.Column]:
    lengths = {"project_id": 64, "user_id": 64, "service": 16, "pod_id": 36}
    return [sa.Column(n, sa.String(lengths.get(n, 255)), primary_key=True) for n in names]


def upgrade() -> None:
    op.create_table(
        "quota_limits",
        *_key("project_id", "user_id", "service", "resource"),
        sa.Column("hard_limit", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "quota_class_limits",
        *_key("class_name", "service", "resource"),
        sa.Column("hard_limit", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "quota_projects",
        *_key("project_id", "service"),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "quota_usages",
        *_key("project_id", "service", "resource", "pod_id"),
        sa.Column("in_use", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "quota_reservations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("service", sa.String(16), nullable=False),
        sa.Column("resource", sa.String(255), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
    )
    for name, columns in (
        ("project", ["project_id", "service"]),
        ("uuid", ["uuid"]),
        ("expires_at", ["expires_at"]),
    ):
        op.create_index(f"ix_quota_reservations_{name}", "quota_reservations", columns)


def downgrade() -> None:
    for table in (
        "quota_reservations",
        "quota_usages",
        "quota_projects",
        "quota_class_limits",
        "quota_limits",
    ):
        op.drop_table(table)
