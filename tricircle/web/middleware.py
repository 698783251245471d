"""What every request passes through: a request id, authentication, and error rendering."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web

from tricircle.identity.errors import IdentityUnavailable
from tricircle.identity.policy import PolicyDenied
from tricircle.kit.central import CentralUnavailable
from tricircle.pods.client import MissingEndpoint, PodUnavailable
from tricircle.web.errors import ApiError, ErrorFormat, error_response
from tricircle.web.services import CONTEXT, REQUEST_ID, services_of

LOG = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
REQUEST_ID_HEADER = "x-openstack-request-id"


@web.middleware
async def request_id(request: web.Request, handler: Handler) -> web.StreamResponse:
    request[REQUEST_ID] = f"req-{uuid.uuid4()}"
    response = await handler(request)
    response.headers[REQUEST_ID_HEADER] = request[REQUEST_ID]
    return response


def errors(fmt: ErrorFormat, extra_headers: Callable[[web.Request], dict[str, str]] | None = None):  # noqa: ANN201
    """Renders anything a handler raises in the service's format `fmt`; never a bare 500."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except ApiError as exc:
            error = exc
        except PolicyDenied as exc:
            error = ApiError(403, str(exc))
        except PodUnavailable as exc:
            error = ApiError(503, str(exc))
        except MissingEndpoint as exc:
            error = ApiError(503, str(exc))
        except CentralUnavailable as exc:
            LOG.warning("%s", exc)
            error = ApiError(503, f"The {exc.service} service is unavailable.")
        except IdentityUnavailable as exc:
            LOG.warning("identity service unavailable: %s", exc)
            error = ApiError(503, "The identity service is unavailable.")
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            error = ApiError(
                exc.status,
                _http_message(exc),
                {k: v for k, v in exc.headers.items() if k.lower() == "allow"},
            )
        except Exception:
            LOG.exception("unexpected error in %s %s", request.method, request.path)
            error = ApiError(500, "An unexpected error occurred.")
        response = error_response(fmt, error)
        if extra_headers is not None:
            response.headers.update(extra_headers(request))
        return response

    return middleware


def _http_message(exc: web.HTTPException) -> str:
    if exc.status == 404:
        return "The resource could not be found."
    if exc.status == 413:
        return "Request is too large."
    return exc.reason


NO_PROJECT_SCOPE = (
    "Policy doesn't allow this request with a token that is not scoped to a project: "
    "authenticate with a project scope."
)


def _authentication(*, project_scoped: bool):
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if getattr(handler, "public", False):
            return await handler(request)
        services = services_of(request)
        token = request.headers.get("X-Auth-Token")
        context = await services.validator.validate(token) if token else None
        if context is None:
            raise ApiError(
                401,
                "The request you have made requires authentication.",
                {"WWW-Authenticate": f'Keystone uri="{services.conf.identity.auth_url}"'},
            )
        # As Nova's scope check: an unscoped, domain- or system-scoped token has no project
        # whose resources it could reach, so a project API refuses it before any lookup.
        if project_scoped and context.project_id is None:
            raise ApiError(403, NO_PROJECT_SCOPE)
        request[CONTEXT] = services.policy.with_admin_flag(context)
        return await handler(request)

    return middleware


# The project APIs (compute, image, every service facade): a project-scoped token.
authenticate = _authentication(project_scoped=True)
# The admin API: any token; its policy rules decide.
authenticate_any_scope = _authentication(project_scoped=False)
