"""The contract: per scenario, each step's status code and body shape (keys and types).

A scenario records its steps in a Contract.  Recorded against the real cloud with
TRICIRCLE_CONTRACT_RECORD=1, the steps become tests/realcloud/contract/<module>.json;
every other run, against any target (the real cloud too), must reproduce that file's
steps exactly.  So the real pods, the simulator and the gateway all agree with one
recorded truth, and the simulator is checked on machines without a real cloud.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tests.realcloud.targets import Reply

CONTRACT_DIR = Path(__file__).with_name("contract")


def recording() -> bool:
    return os.environ.get("TRICIRCLE_CONTRACT_RECORD") == "1"


def shape(value: Any, maps: frozenset[str] = frozenset(), path: str = "") -> Any:
    """The value's structure: dict keys kept, list items merged, scalars by type name.

    Dicts at a path in `maps` (e.g. "server.metadata") have data for keys: they become
    {"*": merged value shape}.  List items are paths "<list path>[]".
    """
    if isinstance(value, dict):
        if path in maps:
            return {"*": _merge([shape(v, maps, path + ".*") for v in value.values()])}
        return {k: shape(v, maps, f"{path}.{k}" if path else k) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_merge([shape(v, maps, path + "[]") for v in value])] if value else []
    return {bool: "bool", int: "int", float: "float", str: "str", type(None): "null"}[type(value)]


def _merge(shapes: list[Any]) -> Any:
    """One shape for several: union of dict keys, `a|b` for differing scalar types."""
    if not shapes:
        return "empty"
    if all(isinstance(s, dict) for s in shapes):
        keys = sorted({k for s in shapes for k in s})
        return {k: _merge([s[k] for s in shapes if k in s]) for k in keys}
    if all(isinstance(s, list) for s in shapes):
        return [_merge([s[0] for s in shapes if s])] if any(shapes) else []
    return "|".join(sorted({s if isinstance(s, str) else json.dumps(s) for s in shapes}))


def differences(want: Any, got: Any, path: str = "$") -> list[str]:
    """Human-readable differences between two shapes."""
    if isinstance(want, dict) and isinstance(got, dict):
        out = [f"{path}.{k}: missing" for k in sorted(want.keys() - got.keys())]
        out += [f"{path}.{k}: unexpected ({got[k]!r})" for k in sorted(got.keys() - want.keys())]
        for k in sorted(want.keys() & got.keys()):
            out += differences(want[k], got[k], f"{path}.{k}")
        return out
    if isinstance(want, list) and isinstance(got, list) and want and got:
        return differences(want[0], got[0], path + "[]")
    return [] if want == got else [f"{path}: want {want!r}, got {got!r}"]


class Contract:
    """The steps one scenario takes against one target."""

    def __init__(self, module: str, scenario: str) -> None:
        self.file = CONTRACT_DIR / f"{module}.json"
        self.scenario = scenario
        self.steps: list[dict[str, Any]] = []

    def step(self, name: str, reply: Reply, maps: tuple[str, ...] = ()) -> Reply:
        self.steps.append(
            {"step": name, "status": reply.status, "body": shape(reply.body, frozenset(maps))}
        )
        return reply

    def expected(self) -> list[dict[str, Any]] | None:
        if not self.file.exists():
            return None
        return json.loads(self.file.read_text()).get(self.scenario)

    def save(self) -> None:
        data = json.loads(self.file.read_text()) if self.file.exists() else {}
        data[self.scenario] = self.steps
        self.file.parent.mkdir(exist_ok=True)
        self.file.write_text(
            json.dumps(dict(sorted(data.items())), indent=1, sort_keys=True) + "\n"
        )

    def problems(self) -> list[str]:
        """Where this run's steps differ from the recorded ones (empty: it agrees)."""
        want = self.expected()
        if want is None:
            return [
                f"no recorded contract for {self.scenario} in {self.file.name}: "
                "record it against the real cloud (docs/realcloud.md)"
            ]
        out = []
        got_names = [s["step"] for s in self.steps]
        want_names = [s["step"] for s in want]
        if got_names != want_names:
            out.append(f"steps differ: want {want_names}, got {got_names}")
        for w, g in zip(want, self.steps, strict=False):
            if w["step"] != g["step"]:
                break
            if w["status"] != g["status"]:  # then the bodies differ too: only say this
                out.append(f"{w['step']}: status want {w['status']}, got {g['status']}")
            else:
                out += [f"{w['step']}: {d}" for d in differences(w["body"], g["body"])]
        return out

    def verify(self, target_name: str) -> None:
        """Ends a scenario: records it (real target, recording) or checks it."""
        if recording() and target_name == "real":
            self.save()
            return
        problems = self.problems()
        assert not problems, f"{target_name} breaks the contract:\n  " + "\n  ".join(problems)
