"""Fuzzing the admin API from its own OpenAPI document: every operation it describes, with
bodies drawn from its schemas and from anything JSON can hold, path and query values of
every shape. No 5xx, no traceback, and a rejected write stores nothing."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from tests.gateway.fuzzing import JUNK, WORDS, WRITES, Bridge, call, run, segment, valid
from tests.gateway.harness import Client, Gateway

# Pod endpoints are probed when registered: only a closed port of this machine may be drawn,
# never an address of the network.
CLOSED_PORT = "http://127.0.0.1:9/v2.1"
STORED = ("/v1.0/pods", "/v1.0/bindings", "/v1.0/routings")


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    path_params: tuple[str, ...]
    query_params: tuple[str, ...]
    body: dict[str, Any] | None


def _resolved(schema: Any, document: dict[str, Any]) -> Any:
    """`schema` with its ``$ref``s replaced by what they name."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            return _resolved(document["components"]["schemas"][name], document)
        return {key: _resolved(value, document) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_resolved(item, document) for item in schema]
    return schema


def _local_endpoints(schema: Any) -> Any:
    if isinstance(schema, dict):
        if "endpoints" in schema.get("properties", {}):
            schema["properties"]["endpoints"]["additionalProperties"] = {"enum": [CLOSED_PORT]}
        for value in schema.values():
            _local_endpoints(value)
    return schema


def operations(document: dict[str, Any]) -> list[Operation]:
    found = []
    for template, item in document["paths"].items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method == "parameters":
                continue
            params = [*shared, *operation.get("parameters", [])]
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            body = _local_endpoints(copy.deepcopy(_resolved(schema, document))) if schema else None
            found.append(
                Operation(
                    method.upper(),
                    template,
                    tuple(p["name"] for p in params if p["in"] == "path"),
                    tuple(p["name"] for p in params if p["in"] == "query"),
                    body,
                )
            )
    return found


def requests(operation: Operation, known_ids: list[str]) -> st.SearchStrategy[tuple]:
    values = st.one_of(WORDS, st.sampled_from(known_ids))
    path = st.fixed_dictionaries({name: values for name in operation.path_params})
    query = st.dictionaries(st.sampled_from(operation.query_params or ("x",)), WORDS, max_size=3)
    body = st.one_of(valid(operation.body), JUNK) if operation.body is not None else st.none()
    return st.tuples(st.just(operation), path, query, body)


def _stored(bridge: Bridge, admin: Client) -> list[Any]:
    return [bridge(admin.get(path)).body for path in STORED]


async def test_every_admin_operation_holds_against_junk(gateway: Gateway, admin: Client) -> None:
    document = (await admin.get("/v1.0/openapi.json")).body
    pods = (await admin.get("/v1.0/pods")).body["pods"]
    known_ids = [pod["id"] for pod in pods] + ["1"]
    strategy = st.one_of(*(requests(op, known_ids) for op in operations(document)))

    def check(bridge: Bridge, drawn: tuple) -> None:
        operation, path_values, query, body = drawn
        path = operation.template
        for name, value in path_values.items():
            path = path.replace(f"{{{name}}}", segment(value))
        before = _stored(bridge, admin) if operation.method in WRITES else None
        reply = call(bridge, admin, operation.method, path, params=query, json=body)
        if before is not None and reply.status >= 400:
            assert _stored(bridge, admin) == before, (operation.method, path, body, reply.body)

    await run(strategy, check, examples=250)
