from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import delete

from tests.databases import BACKENDS, migrated_database
from tests.leaks import WATCH
from tests.requirements import in_ci
from tricircle.db.engine import Database
from tricircle.db.schema import metadata


def pytest_configure(config: pytest.Config) -> None:
    WATCH.install()


# Under CI every test runs: a skip (of any cause) fails the session, so that a green CI
# run never hides a test that did not run.
_SKIPPED: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if in_ci() and report.skipped and not hasattr(report, "wasxfail"):
        _SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _SKIPPED and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _SKIPPED:
        terminalreporter.write_line(
            "CI=true: these tests were skipped and must run:\n  " + "\n  ".join(_SKIPPED),
            red=True,
        )


@pytest.fixture(autouse=True)
def no_secret_in_logs_or_answers() -> Iterator[None]:
    """Fails the test during which a token or a password reached a log or an error body."""
    before = len(WATCH.leaks)
    yield
    if leaked := WATCH.leaks[before:]:
        pytest.fail("secrets leaked:\n" + "\n".join(leaked), pytrace=False)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A migrated database on each backend, shared by the session."""
    backend = request.param
    with migrated_database(backend) as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_url() -> Iterator[str]:
    with migrated_database("sqlite") as url:
        yield url


async def _emptied(url: str) -> AsyncIterator[Database]:
    database = Database(url)
    try:
        yield database
    finally:
        async with database.session.begin() as session:
            for table in reversed(metadata.sorted_tables):
                await session.execute(delete(table))
        await database.dispose()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A database on every backend, emptied after each test."""
    async for database in _emptied(database_url):
        yield database


@pytest.fixture
async def sqlite_db(sqlite_url: str) -> AsyncIterator[Database]:
    """The embedded default only, for tests where the backend does not matter."""
    async for database in _emptied(sqlite_url):
        yield database
