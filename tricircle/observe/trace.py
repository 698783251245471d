"""What one request did on its way, for its log line: the pods it called and their request ids.

A context variable, so the pod client records calls without being handed the request;
tasks a handler starts (fan-outs) inherit it and add to the same trace.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class PodCall:
    pod: str
    request_id: str | None  # the pod's own x-openstack-request-id, when it answered


@dataclass
class Trace:
    pod_calls: list[PodCall] = field(default_factory=list)

    def pods(self) -> list[str]:
        return list(dict.fromkeys(call.pod for call in self.pod_calls))

    def pod_request_ids(self) -> list[str]:
        return [f"{c.pod}:{c.request_id}" for c in self.pod_calls if c.request_id]


_CURRENT: ContextVar[Trace | None] = ContextVar("tricircle_trace", default=None)


def begin() -> Trace:
    trace = Trace()
    _CURRENT.set(trace)
    return trace


def pod_called(pod: str, request_id: str | None) -> None:
    trace = _CURRENT.get()
    if trace is not None:
        trace.pod_calls.append(PodCall(pod, request_id))
