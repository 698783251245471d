"""The ``[jobs]`` section of tricircle.conf."""

from __future__ import annotations

from oslo_config import cfg

from tricircle.jobs.policy import Backoff
from tricircle.jobs.worker import WorkerSettings

GROUP = "jobs"
OPTS = [
    cfg.IntOpt("concurrency", default=8, min=1, help="Jobs one worker runs at once."),
    cfg.FloatOpt(
        "lease",
        default=30.0,
        min=0.1,
        help="Seconds a claimed job stays a worker's without renewal; after that a dead "
        "worker's job is taken over. Renewed every lease/3.",
    ),
    cfg.FloatOpt(
        "poll_interval",
        default=0.1,
        min=0.001,
        help="Seconds between looks for due jobs (ten times longer on PostgreSQL, "
        "where LISTEN/NOTIFY wakes workers at once).",
    ),
    cfg.IntOpt("max_attempts", default=8, min=1, help="Attempts before a job ends in fail."),
    cfg.FloatOpt("backoff_base", default=1.0, min=0, help="First retry delay, in seconds."),
    cfg.FloatOpt("backoff_cap", default=300.0, min=0, help="Longest retry delay, in seconds."),
    cfg.FloatOpt(
        "shutdown_timeout",
        default=10.0,
        min=0,
        help="On shutdown, seconds to let running jobs finish before releasing them.",
    ),
    cfg.ListOpt(
        "handler_modules",
        default=[],
        help="Extra modules whose job handlers the worker loads.",
    ),
    cfg.FloatOpt(
        "reconcile_interval", default=300.0, min=1, help="Seconds between reconciler runs."
    ),
    cfg.FloatOpt(
        "reconcile_grace",
        default=600.0,
        min=0,
        help="Drift younger than this is left alone: it may be a create still under way.",
    ),
    cfg.PortOpt("metrics_port", default=None, help="Serve /metrics here (standalone worker)."),
    cfg.HostAddressOpt("metrics_host", default="127.0.0.1", help="Address of /metrics."),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS, group=GROUP)


def worker_settings(conf: cfg.ConfigOpts) -> WorkerSettings:
    jobs = conf[GROUP]
    return WorkerSettings(
        concurrency=jobs.concurrency,
        lease=jobs.lease,
        poll_interval=jobs.poll_interval,
        max_attempts=jobs.max_attempts,
        backoff=Backoff(base=jobs.backoff_base, cap=jobs.backoff_cap),
        shutdown_timeout=jobs.shutdown_timeout,
    )
