"""Each pod's admin state and observed health as Prometheus gauges, read at scrape time."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from tricircle.pods.directory import PodDirectory
from tricircle.pods.health import PodHealth
from tricircle.pods.registry import POD_STATES


class PodStateCollector(Collector):
    """One per gateway process: health is observed per process."""

    def __init__(self, directory: PodDirectory, health: PodHealth) -> None:
        self._directory = directory
        self._health = health

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily(
            "tricircle_pod_up",
            "1 while this gateway process sees the pod answer, 0 while it takes it as down",
            labels=["pod", "az"],
        )
        state = GaugeMetricFamily(
            "tricircle_pod_admin_state",
            "The pod's admin state: 1 for the state it is in",
            labels=["pod", "state"],
        )
        for pod in self._directory.snapshot().values():
            up.add_metric([pod.name, pod.az_name], 0 if self._health.is_down(pod.id) else 1)
            for name in POD_STATES:
                state.add_metric([pod.name, name], 1 if pod.state == name else 0)
        yield up
        yield state
