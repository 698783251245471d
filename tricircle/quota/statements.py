"""The quota engine's statements, built once with bound parameters: a call binds its
values and SQLAlchemy's compiled cache hands back the SQL, where a statement built anew
for every call costs more of the gateway's CPU than its round trip to the database."""

from __future__ import annotations

from enum import IntEnum
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Insert,
    String,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY

from tricircle.quota.models import (
    ANY_USER,
    QuotaClassLimit,
    QuotaLimit,
    QuotaProject,
    QuotaReservation,
    QuotaUsage,
)

DEFAULT_CLASS = "default"


class Kind(IntEnum):
    """What a row of `LIMITS`, `HELD` or `STANDING` counts; the limits in the order in which
    each overrides the one before (Nova's)."""

    DEFAULT_LIMIT = 0
    PROJECT_LIMIT = 1
    USER_LIMIT = 2
    IN_USE = 3
    RESERVED = 4


def _kind(kind: Kind) -> Any:
    # a constant of the SQL, not a parameter: the same on every call
    return literal_column(str(int(kind)))


_NO_POD = literal_column("NULL", String)

# every row: (kind, resource, pod or NULL, amount), of project_id and service
_DEFAULT_LIMITS = select(
    _kind(Kind.DEFAULT_LIMIT), QuotaClassLimit.resource, _NO_POD, QuotaClassLimit.hard_limit
).where(
    QuotaClassLimit.class_name == DEFAULT_CLASS,
    QuotaClassLimit.service == bindparam("service"),
)
_OWN_LIMITS = select(
    case(
        (QuotaLimit.user_id == ANY_USER, _kind(Kind.PROJECT_LIMIT)),
        else_=_kind(Kind.USER_LIMIT),
    ),
    QuotaLimit.resource,
    _NO_POD,
    QuotaLimit.hard_limit,
).where(
    QuotaLimit.project_id == bindparam("project_id"),
    QuotaLimit.service == bindparam("service"),
    or_(QuotaLimit.user_id == ANY_USER, QuotaLimit.user_id == bindparam("user_id")),
)
# each pod's share, so that the reservation knows the pods the project is in already
_IN_USE = (
    select(_kind(Kind.IN_USE), QuotaUsage.resource, QuotaUsage.pod_id, func.sum(QuotaUsage.in_use))
    .where(
        QuotaUsage.project_id == bindparam("project_id"),
        QuotaUsage.service == bindparam("service"),
    )
    .group_by(QuotaUsage.resource, QuotaUsage.pod_id)
)
_RESERVED = (
    select(
        _kind(Kind.RESERVED), QuotaReservation.resource, _NO_POD, func.sum(QuotaReservation.amount)
    )
    .where(
        QuotaReservation.project_id == bindparam("project_id"),
        QuotaReservation.service == bindparam("service"),
        QuotaReservation.expires_at > bindparam("now"),
    )
    .group_by(QuotaReservation.resource)
)

# the limits of the project and its user (parameters service, project_id, user_id)
LIMITS = union_all(_DEFAULT_LIMITS, _OWN_LIMITS)
# what the project holds, in use by pod and reserved (service, project_id, now)
HELD = union_all(_IN_USE, _RESERVED)
# both, in one query for a reservation (service, project_id, user_id, now)
STANDING = union_all(_DEFAULT_LIMITS, _OWN_LIMITS, _IN_USE, _RESERVED)

VERSION = select(QuotaProject.version).where(
    QuotaProject.project_id == bindparam("project_id"),
    QuotaProject.service == bindparam("service"),
)
# rows of the tables' own columns
INSERT_RESERVATIONS = insert(QuotaReservation)
INSERT_USAGE = insert(QuotaUsage)
DROP_RESERVATION = delete(QuotaReservation).where(QuotaReservation.uuid == bindparam("uuid"))
DROP_POD_USAGE = delete(QuotaUsage).where(
    QuotaUsage.project_id == bindparam("project_id"),
    QuotaUsage.service == bindparam("service"),
    QuotaUsage.pod_id == bindparam("pod_id"),
)
# a pod's share of one resource lowered by `delta` (negative), never below zero; the
# parameters are not named as the columns, which an UPDATE keeps for its SET clause
_lowered = QuotaUsage.in_use + bindparam("delta")
LOWER_USAGE = (
    update(QuotaUsage)
    .where(
        QuotaUsage.project_id == bindparam("of_project"),
        QuotaUsage.service == bindparam("of_service"),
        QuotaUsage.pod_id == bindparam("of_pod"),
        QuotaUsage.resource == bindparam("of_resource"),
    )
    .values(in_use=case((_lowered < 0, 0), else_=_lowered), updated_at=bindparam("now"))
)


@cache
def lock_project(dialect: str) -> Insert:
    """Inserts the project's row (project_id, service, version 1), or bumps its version:
    either way the row is locked for the rest of the transaction."""
    statement, _ = _insert(dialect, QuotaProject)
    bumped = {"version": QuotaProject.version + 1}
    return _on_conflict(dialect, statement, ["project_id", "service"], bumped)


@cache
def add_usage(dialect: str) -> Insert:
    """A pod's share of one resource grown by `in_use` (a row of QuotaUsage's columns),
    the row created if it is the first."""
    statement, inserted = _insert(dialect, QuotaUsage)
    added = {"in_use": QuotaUsage.in_use + inserted.in_use, "updated_at": inserted.updated_at}
    return _on_conflict(dialect, statement, ["project_id", "service", "resource", "pod_id"], added)


def _insert(dialect: str, model: type) -> tuple[Any, Any]:
    """The dialect's INSERT, and the row it would have inserted (for updates of a
    conflicting row)."""
    if dialect == "mysql":
        statement = mysql.insert(model)
        return statement, statement.inserted
    statement = (postgresql if dialect == "postgresql" else sqlite).insert(model)
    return statement, statement.excluded


def _on_conflict(dialect: str, statement: Any, keys: list[str], set_: dict) -> Insert:
    if dialect == "mysql":
        return statement.on_duplicate_key_update(set_)
    return statement.on_conflict_do_update(index_elements=keys, set_=set_)


def commit_in_one(dialect: str) -> Insert | None:
    """Where the database takes a DELETE in a WITH (PostgreSQL), a reservation's commit in
    one statement, atomic without a transaction around it: the reservation `uuid` dropped
    and each of `resources` grown by its `amounts` in the pod's share (of_project,
    of_service, of_pod, now). None elsewhere."""
    return _COMMIT_IN_ONE if dialect == "postgresql" else None


def _commit_in_one() -> Insert:
    gone = delete(QuotaReservation).where(QuotaReservation.uuid == bindparam("uuid")).cte("gone")
    grown = (
        func.unnest(
            bindparam("resources", type_=ARRAY(String)),
            bindparam("amounts", type_=ARRAY(BigInteger)),
        )
        .table_valued("resource", "amount")
        .render_derived(name="grown")
    )
    rows = select(
        bindparam("of_project", type_=String),
        bindparam("of_service", type_=String),
        grown.c.resource,
        bindparam("of_pod", type_=String),
        grown.c.amount,
        bindparam("now", type_=DateTime),
    )
    columns = ["project_id", "service", "resource", "pod_id", "in_use", "updated_at"]
    statement = postgresql.insert(QuotaUsage).from_select(columns, rows).add_cte(gone)
    added = {
        "in_use": QuotaUsage.in_use + statement.excluded.in_use,
        "updated_at": statement.excluded.updated_at,
    }
    return statement.on_conflict_do_update(index_elements=columns[:4], set_=added)


_COMMIT_IN_ONE = _commit_in_one()
