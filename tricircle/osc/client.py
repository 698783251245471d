"""Calls to the admin API over the CLI's authenticated keystoneauth session."""

from __future__ import annotations

from typing import Any

from osc_lib import exceptions


class AdminClient:
    def __init__(self, session: Any, endpoint: str) -> None:
        self._session = session
        self.endpoint = endpoint.rstrip("/")

    def call(
        self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        """The answer's JSON (None for an empty one); CommandError with the API's message."""
        response = self._session.request(
            self.endpoint + path,
            method,
            json=json,
            params={k: v for k, v in (params or {}).items() if v is not None},
            headers={"Accept": "application/json"},
            raise_exc=False,
        )
        if response.status_code >= 400:
            raise exceptions.CommandError(f"{_message(response)} (HTTP {response.status_code})")
        return response.json() if response.content else None


def _message(response: Any) -> str:
    try:
        return response.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return response.reason or "The admin API refused the request."


def collection(
    client: AdminClient, path: str, key: str, params: dict[str, Any], *, limit: int | None
) -> list[dict[str, Any]]:
    """One page of `limit` items from `marker` on; without a limit, every page."""
    items: list[dict[str, Any]] = []
    query = {**params, "limit": limit}
    while True:
        answer = client.call("GET", path, params=query)
        items.extend(answer[key])
        more = [link for link in answer.get(f"{key}_links", []) if link["rel"] == "next"]
        if limit is not None or not more or not answer[key]:
            return items
        query = {**query, "marker": answer[key][-1]["id"]}


def find_pod(client: AdminClient, name_or_id: str) -> dict[str, Any]:
    """A pod by its id or its name, as OpenStack's CLI finds resources."""
    pods = client.call("GET", "/pods")["pods"]
    for field in ("id", "name"):
        found = [pod for pod in pods if pod[field] == name_or_id]
        if len(found) == 1:
            return found[0]
    raise exceptions.CommandError(f"No pod with a name or id of '{name_or_id}' exists.")


def admin(cmd: Any) -> AdminClient:
    """The client the plugin made for a command (``client_manager.<API_NAME>``)."""
    return cmd.app.client_manager.tricircle


def project_id(cmd: Any, name_or_id: str) -> str:
    """A project's id from its name or id, as the identity service knows it."""
    from openstackclient.identity import common  # the CLI's own lookup, loaded when needed

    return common.find_project(cmd.app.client_manager.identity, name_or_id).id
