"""Errors a handler raises, rendered in the calling service's own error format."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from http import HTTPStatus

import msgspec
from aiohttp import web


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(message: str) -> ApiError:
    return ApiError(404, message)


def conflict(message: str) -> ApiError:
    return ApiError(409, message)


def forbidden(message: str) -> ApiError:
    return ApiError(403, message)


# Renders (status, message) as a service's error body.
ErrorFormat = Callable[[int, str], dict]


def admin_error(status: int, message: str) -> dict:
    return {"error": {"code": status, "title": HTTPStatus(status).phrase, "message": message}}


def error_response(fmt: ErrorFormat, error: ApiError) -> web.Response:
    return web.Response(
        status=error.status,
        body=msgspec.json.encode(fmt(error.status, error.message)),
        content_type="application/json",
        headers=error.headers,
    )
