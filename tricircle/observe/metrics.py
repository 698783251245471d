"""The gateway's Prometheus metrics, in the process-wide registry beside the jobs' own.

Labels carry names and templates, never ids: a series per server would grow without bound.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# from a cached token check (~ms) to a pod that needs its full timeout
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

REQUESTS = Counter(
    "tricircle_http_requests",
    "Requests answered by the gateway",
    ["service", "method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "tricircle_http_request_duration_seconds",
    "Time from a request's arrival to its answer",
    ["service", "method", "route"],
    buckets=_LATENCY_BUCKETS,
)
POD_REQUESTS = Counter(
    "tricircle_pod_requests",
    "Calls to pods, by the pod's answer (its status class, or 'error' when none came)",
    ["pod", "service", "method", "status"],
)
POD_ERRORS = Counter(
    "tricircle_pod_request_errors",
    "Calls to pods that failed: unreachable, timeout, disconnected, or a 5xx answer",
    ["pod", "service", "kind"],
)
POD_TIMEOUTS = Counter(
    "tricircle_pod_request_timeouts",
    "Calls to pods that did not answer in time",
    ["pod", "service"],
)
POD_SECONDS = Histogram(
    "tricircle_pod_request_duration_seconds",
    "Time a pod took to answer a call (failed calls included)",
    ["pod", "service"],
    buckets=_LATENCY_BUCKETS,
)
TOKEN_CACHE_HITS = Counter(
    "tricircle_token_cache_hits", "Token validations answered without asking Keystone"
)
TOKEN_CACHE_MISSES = Counter(
    "tricircle_token_cache_misses",
    "Token validations not in the cache (one Keystone call each token)",
)


def status_class(status: int) -> str:
    return f"{status // 100}xx"
