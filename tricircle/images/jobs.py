"""The image jobs, registered with a worker when the deployment has a top Glance."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from oslo_config import cfg

from tricircle.images.copies import COPY, CopyStore, parse_copy_resource
from tricircle.images.copy import Copier
from tricircle.images.glances import GlanceRefused, Glances
from tricircle.images.sync import RECONCILE, SYNC, ImageSync
from tricircle.images.upload import UPLOAD, Uploader
from tricircle.jobs.policy import PermanentError, RetryableError
from tricircle.jobs.registry import JobContext, Registry
from tricircle.kit.central import CentralUnavailable
from tricircle.pods.client import PodUnavailable

_PATIENT = 16


async def _guarded(work: Awaitable[dict[str, Any]]) -> dict[str, Any]:
    """A refusal in the 4xx range will not change by trying again; the rest may."""
    try:
        return await work
    except GlanceRefused as exc:
        if 400 <= exc.answer.status < 500 and exc.answer.status != 409:
            raise PermanentError(str(exc)) from exc
        raise RetryableError(str(exc)) from exc
    except (PodUnavailable, CentralUnavailable) as exc:
        raise RetryableError(str(exc)) from exc


def register(registry: Registry, conf: cfg.ConfigOpts, glances: Glances, copies: CopyStore) -> None:
    sync = ImageSync(glances, copies, conf)
    copier = Copier(glances, copies, sync)
    uploader = Uploader(glances, copies)

    async def copy(ctx: JobContext) -> dict[str, Any]:
        image_id, pod_id = parse_copy_resource(ctx.job.resource_id)
        try:
            return await _guarded(copier.copy(image_id, pod_id, ctx.job.attempt))
        except (PermanentError, RetryableError) as exc:
            # the last attempt, or none will do better: a waiting create hears why at once
            if isinstance(exc, PermanentError) or ctx.job.attempt >= _PATIENT:
                await copies.failed(image_id, pod_id, str(exc))
            raise

    async def converge(ctx: JobContext) -> dict[str, Any]:
        return await _guarded(sync.converge(ctx.job.resource_id))

    async def upload(ctx: JobContext) -> dict[str, Any]:
        payload = ctx.job.payload
        return await _guarded(
            uploader.upload(ctx.job.resource_id, payload["source"], payload["holders"])
        )

    async def reconcile(_ctx: JobContext) -> dict[str, Any]:
        return await sync.reconcile()

    # a copy or an upload may wait for an image still being written (a snapshot): more
    # attempts than the default, their delays growing to [jobs] backoff_cap
    registry.register(COPY, copy, max_attempts=_PATIENT)
    registry.register(SYNC, converge)
    registry.register(UPLOAD, upload, max_attempts=_PATIENT)
    registry.register(RECONCILE, reconcile, every=conf.jobs.reconcile_interval)
