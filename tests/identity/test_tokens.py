"""Token validation against the simulator's Keystone: caching, single flight, expiry, rejection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.gateway.harness import keystone_token
from tricircle.config import load_config
from tricircle.identity.errors import IdentityUnavailable
from tricircle.identity.service_auth import ServiceAuth
from tricircle.identity.tokens import TokenValidator
from tricircle.sim import SimCloud
from tricircle.sim.identity.model import Scope


@pytest.fixture
async def cloud() -> AsyncIterator[SimCloud]:
    async with SimCloud() as sim:
        sim.identity.create_user("alice", "pw", project="alpha", roles=["member"])
        yield sim


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def service_auth(cloud: SimCloud, password: str = "tricircle") -> ServiceAuth:
    conf = load_config()
    conf.set_override("auth_url", cloud.identity_url, "identity")
    conf.set_override("password", password, "identity")
    return ServiceAuth(conf)


class Counting:
    """Counts how often the validator really asks Keystone."""

    def __init__(self, validator: TokenValidator) -> None:
        self.calls = 0
        real = validator._ask_keystone

        async def counted(token: str):
            self.calls += 1
            return await real(token)

        validator._ask_keystone = counted  # type: ignore[method-assign]


async def test_valid_token_gives_the_callers_context_and_is_cached(cloud, http) -> None:
    validator = TokenValidator(http, service_auth(cloud))
    counter = Counting(validator)
    token = await keystone_token(http, cloud.identity_url, "alice", "pw", "alpha")
    context = await validator.validate(token)
    assert context is not None
    assert context.user_name == "alice" and context.project_name == "alpha"
    assert context.roles == frozenset({"member"}) and not context.is_admin
    assert "pw" not in repr(context) and token not in repr(context)
    for _ in range(5):
        assert await validator.validate(token) == context
    assert counter.calls == 1


async def test_concurrent_validations_of_one_token_ask_keystone_once(cloud, http) -> None:
    validator = TokenValidator(http, service_auth(cloud))
    counter = Counting(validator)
    token = await keystone_token(http, cloud.identity_url, "alice", "pw", "alpha")
    results = await asyncio.gather(*(validator.validate(token) for _ in range(20)))
    assert len({id(r) for r in results}) == 1 and results[0] is not None
    assert counter.calls == 1


async def test_invalid_tokens_are_rejected_and_briefly_remembered(cloud, http) -> None:
    validator = TokenValidator(http, service_auth(cloud), invalid_seconds=60)
    counter = Counting(validator)
    assert await validator.validate("forged") is None
    assert await validator.validate("forged") is None
    assert counter.calls == 1


async def test_a_revoked_token_stops_working_when_the_cache_lapses(cloud, http) -> None:
    validator = TokenValidator(http, service_auth(cloud), valid_seconds=0)
    token = await keystone_token(http, cloud.identity_url, "alice", "pw", "alpha")
    assert await validator.validate(token) is not None
    async with http.delete(
        f"{cloud.identity_url}/auth/tokens",
        headers={"X-Auth-Token": token, "X-Subject-Token": token},
    ) as response:
        assert response.status == 204
    assert await validator.validate(token) is None


async def test_cache_never_outlives_the_token(cloud, http) -> None:
    cloud.identity.token_ttl = 1.0
    validator = TokenValidator(http, service_auth(cloud), valid_seconds=300)
    token = await keystone_token(http, cloud.identity_url, "alice", "pw", "alpha")
    assert await validator.validate(token) is not None
    await asyncio.sleep(1.2)
    assert await validator.validate(token) is None


async def test_wrong_service_credentials_are_an_outage_not_a_401(cloud, http) -> None:
    validator = TokenValidator(http, service_auth(cloud, password="wrong"))
    token = await keystone_token(http, cloud.identity_url, "alice", "pw", "alpha")
    with pytest.raises(IdentityUnavailable):
        await validator.validate(token)


async def test_unreachable_keystone_is_identity_unavailable(http) -> None:
    conf = load_config()
    conf.set_override("auth_url", "http://127.0.0.1:9/v3", "identity")
    auth = ServiceAuth(conf)

    async def token() -> str:
        return "service-token"

    auth.token = token  # type: ignore[method-assign]
    validator = TokenValidator(http, auth)
    with pytest.raises(IdentityUnavailable):
        await validator.validate("anything")


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def forbid_validation(cloud: SimCloud) -> None:
    """The service user loses its admin role: Keystone answers 403 to its validations."""
    store = cloud.identity
    user = store.find_user("tricircle", "default")
    project = store.find_project("service", "default")
    assert user is not None and project is not None
    store.revoke_role(user.id, Scope(project_id=project.id), store.create_role("admin"))
    store.assign(user.id, project.id, "member")


async def test_valid_tokens_are_trusted_five_minutes_at_most(cloud, http) -> None:
    clock = Clock()
    validator = TokenValidator(http, service_auth(cloud), clock=clock)
    counter = Counting(validator)
    token = await keystone_token(http, cloud.identity_url, "alice", "pw", "alpha")  # lives 1 h
    assert await validator.validate(token) is not None
    clock.now += 299
    assert await validator.validate(token) is not None and counter.calls == 1
    clock.now += 2
    assert await validator.validate(token) is not None and counter.calls == 2


async def test_remembered_invalid_tokens_are_asked_about_again_after_a_while(cloud, http) -> None:
    clock = Clock()
    validator = TokenValidator(http, service_auth(cloud), invalid_seconds=10, clock=clock)
    counter = Counting(validator)
    assert await validator.validate("forged") is None
    clock.now += 9
    assert await validator.validate("forged") is None and counter.calls == 1
    clock.now += 2
    assert await validator.validate("forged") is None and counter.calls == 2


async def test_keystone_forbidding_the_service_user_is_an_outage_not_a_bad_token(cloud, http):
    validator = TokenValidator(http, service_auth(cloud))
    token = await keystone_token(http, cloud.identity_url, "alice", "pw", "alpha")
    forbid_validation(cloud)
    with pytest.raises(IdentityUnavailable):
        await validator.validate(token)
    assert not validator._cache  # nothing remembered: the token works once Keystone does
