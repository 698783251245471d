"""The watch that fails a test when a secret reaches a log or an answer does see one."""

from __future__ import annotations

import logging

from tests.leaks import WATCH, LeakWatch
from tricircle.sim.identity.store import IdentityStore


def test_a_token_in_a_log_record_or_an_answer_is_caught() -> None:
    watch = LeakWatch()
    logger = logging.getLogger("tests.leak_watch")
    logger.addHandler(watch)
    try:
        watch.remember("gAAAAAB-a-token-value")
        watch.remember("admin")  # too ordinary a word to watch for
        logger.warning("validating %s for admin", "gAAAAAB-a-token-value")
        watch.check('{"error": "no admin here"}', "an answer")
    finally:
        logger.removeHandler(watch)
    assert len(watch.leaks) == 1 and watch.leaks[0].startswith("log tests.leak_watch")


def test_every_issued_token_and_its_users_password_are_watched() -> None:
    store = IdentityStore()
    user_id = store.create_user("carol", "carols-long-password", project="p")
    token = store.issue(user_id, None, ["password"])
    assert {token.id, "carols-long-password"} <= WATCH.secrets
