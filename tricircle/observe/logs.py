"""Where log records go: text or JSON lines on standard error, libraries kept quiet."""

from __future__ import annotations

import json
import logging
import sys

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# chatty at INFO (alembic's every migration step, aiohttp's own access log, each Keystone
# call): WARNING unless the operator asks for --debug
NOISY_LIBRARIES = ("alembic", "aiohttp.access", "keystoneauth", "oslo_policy", "stevedore")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, and the record's `fields`
    (the request line's request id, route, status, ...) as keys of their own."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


class _OurHandler(logging.StreamHandler):
    """Marks the handler this module installed, so a second call replaces only it."""


def setup_logging(*, debug: bool = False, log_format: str = "text") -> None:
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(handler)
    handler = _OurHandler(sys.stderr)
    handler.setFormatter(formatter(log_format))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    for name in NOISY_LIBRARIES:
        logging.getLogger(name).setLevel(logging.NOTSET if debug else logging.WARNING)
