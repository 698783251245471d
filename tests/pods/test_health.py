"""Observed pod health: what marks a pod down and what brings it back."""

from __future__ import annotations

from tricircle.pods.directory import PodInfo
from tricircle.pods.health import PodHealth

POD = PodInfo("p1", "pod1", "pod1", "az1", "up", {}, {})


def test_a_pod_stays_up_until_failures_reach_the_threshold() -> None:
    health = PodHealth(down_after=3)
    health.failed(POD, "could not be reached")
    health.failed(POD, "could not be reached")
    assert not health.is_down(POD.id)
    health.failed(POD, "did not answer within 2 s")
    assert health.reason(POD.id) == "did not answer within 2 s"


def test_a_pod_failing_every_other_call_is_down_too() -> None:
    """Consecutive failures alone would never see it: the recent outcomes do."""
    health = PodHealth(down_after=3)
    for _ in range(3):
        health.failed(POD, "answered 503")
        health.answered(POD)
    assert health.is_down(POD.id)


def test_answers_in_a_row_bring_a_pod_back_and_old_failures_age_out() -> None:
    health = PodHealth(down_after=3)
    for _ in range(3):
        health.failed(POD, "could not be reached")
    health.answered(POD)
    health.answered(POD)
    assert health.is_down(POD.id)  # two answers are not yet enough
    health.answered(POD)
    assert not health.is_down(POD.id)
    # the window is twice the threshold: three more answers and the old failures are gone
    for _ in range(3):
        health.answered(POD)
    health.failed(POD, "answered 503")
    health.failed(POD, "answered 503")
    assert not health.is_down(POD.id)
