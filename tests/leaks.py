"""Secrets must never reach a log or an error body: every token the simulated Keystone issues,
and its users' passwords, are watched for in every log record of the test run and in every
answer the gateway harness reads."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from tricircle.sim.identity.store import IdentityStore

# passwords that are also ordinary words of the logs ("admin", the service user "tricircle")
# cannot be told from them; the tests' own passwords are distinctive
_MIN_PASSWORD = 8
_COMMON = {"tricircle"}


class LeakWatch(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.secrets: set[str] = set()
        self.leaks: list[str] = []

    def remember(self, secret: str) -> None:
        if secret and (len(secret) >= _MIN_PASSWORD and secret not in _COMMON):
            self.secrets.add(secret)

    def check(self, text: str, where: str) -> None:
        for secret in self._found_in(text):
            self.leaks.append(f"{where}: {secret[:6]}… in {text[:300]!r}")

    def _found_in(self, text: str) -> Iterable[str]:
        return [secret for secret in self.secrets if secret in text]

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a malformed record is not ours to judge
            return
        if record.exc_info and record.exc_info[1] is not None:
            text += f" {record.exc_info[1]!r}"
        self.check(text, f"log {record.name}")

    def install(self) -> None:
        """Remember what the simulated Keystone hands out, and watch every logger."""
        issue = IdentityStore.issue
        watch = self

        def issuing(store: IdentityStore, user_id: str, *args: object, **kwargs: object):
            token = issue(store, user_id, *args, **kwargs)  # type: ignore[arg-type]
            watch.remember(token.id)
            watch.remember(store.users[user_id].password)
            return token

        IdentityStore.issue = issuing  # type: ignore[method-assign]
        root = logging.getLogger()
        root.addHandler(self)
        root.setLevel(logging.DEBUG)
        # a record per database call, naming functions, never data: the bulk of all records
        logging.getLogger("aiosqlite").setLevel(logging.INFO)


WATCH = LeakWatch()
