"""The routing lookups every request makes take an index on SQLite, PostgreSQL and MariaDB.

The plans are read at 20,000 routing entries of one project (the issue's worst case
is a million in one project; inserting that takes minutes per backend): on
PostgreSQL and MariaDB after ANALYZE, whose statistics then give the selectivities
of a million rows (one row per top id, every row per project), so the planner's
choice is the one it makes there; on SQLite without statistics, as the gateway runs
it, where the choice does not depend on the number of rows.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import Select, insert, text

from tricircle.db.engine import Database
from tricircle.db.models import Pod, RoutingEntry
from tricircle.listing.ordering import Ordering, SortField
from tricircle.listing.sort_index import IndexedMarker, nearest_query
from tricircle.pods.routing import SERVER, by_id_query
from tricircle.pods.routing_counts import count_change

ROWS = 20_000
PODS = 10
CHUNK = 3_000  # rows per INSERT, under PostgreSQL's 32,767 parameters


def _created(n: int) -> str:
    return f"2026-01-01T{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z"


async def _fill(db: Database) -> str:
    """ROWS server entries of one project over PODS pods; the id of one of them."""
    now = dt.datetime(2026, 11, 29)
    pod_ids = [str(uuid.uuid4()) for _ in range(PODS)]
    top_ids = [str(uuid.uuid4()) for _ in range(ROWS)]
    async with db.session.begin() as session:
        await session.execute(
            insert(Pod),
            [
                {
                    "id": pod_id,
                    "name": f"pod{i}",
                    "region_name": f"R{i}",
                    "az_name": "az1",
                    "state": "up",
                    "endpoints": {},
                    "capabilities": {},
                    "created_at": now,
                    "updated_at": now,
                }
                for i, pod_id in enumerate(pod_ids)
            ],
        )
    for start in range(0, ROWS, CHUNK):
        async with db.session.begin() as session:
            await session.execute(
                insert(RoutingEntry).values(
                    [
                        {
                            "project_id": "big",
                            "resource_type": SERVER,
                            "top_id": top_id,
                            "pod_id": pod_ids[i % PODS],
                            "bottom_id": top_id,
                            "created_at": now,
                            "updated_at": now,
                            "sort_created": _created(i),
                            "sort_name": f"vm-{i}",
                        }
                        for i, top_id in enumerate(top_ids[start : start + CHUNK], start)
                    ]
                )
            )
    async with db.session.begin() as session:
        for pod_id in pod_ids:
            await count_change(session, "big", SERVER, pod_id, ROWS // PODS)
    analyze = {"postgresql": "ANALYZE", "mysql": "ANALYZE TABLE routing_entries, routing_counts"}
    if db.backend in analyze:
        async with db.engine.connect() as connection:
            await connection.execute(text(analyze[db.backend]))
            await connection.commit()
    return top_ids[ROWS // 2]


async def _plan(db: Database, query: Select) -> str:
    async with db.engine.connect() as connection:
        sql = str(query.compile(connection.engine, compile_kwargs={"literal_binds": True}))
        explain = "EXPLAIN QUERY PLAN " if db.backend == "sqlite" else "EXPLAIN "
        rows = (await connection.execute(text(explain + sql))).mappings().all()
    return "\n".join(" ".join(f"{k}={v}" for k, v in row.items()) for row in rows)


async def test_a_lookup_by_id_takes_an_index_on_the_top_id(db: Database) -> None:
    top_id = await _fill(db)
    plan = await _plan(db, by_id_query(SERVER, top_id))
    if db.backend == "sqlite":
        unique_index = "sqlite_autoindex_routing_entries_1 (resource_type=? AND top_id=?)"
        assert f"USING INDEX {unique_index}" in plan, plan
    elif db.backend == "postgresql":
        assert "Seq Scan" not in plan, plan
        assert "uq_routing_resource_pod" in plan or "ix_routing_top_id" in plan, plan
    else:
        assert "key=uq_routing_resource_pod" in plan or "key=ix_routing_top_id" in plan, plan
        assert "type=ALL" not in plan, plan


@pytest.mark.parametrize("field", ["created", "name"])
async def test_each_pods_marker_is_found_on_the_sort_index(db: Database, field: str) -> None:
    await _fill(db)
    ordering = Ordering((SortField(field, descending=field == "created"),))
    value = "2026-01-01T00:30:30Z" if field == "created" else "vm-5000"
    marker = IndexedMarker("a-pod", value, (ordering.key_of({field: value}), "a-pod"))
    plan = await _plan(db, nearest_query(SERVER, "big", ordering, marker))
    index = f"ix_routing_by_{field}"
    if db.backend == "sqlite":
        assert f"INDEX {index} (project_id=? AND resource_type=? AND pod_id=? AND" in plan, plan
    elif db.backend == "postgresql":
        assert (
            f"Index Scan using {index}" in plan or f"Index Scan Backward using {index}" in plan
        ), plan
    else:
        assert f"key={index}" in plan, plan
