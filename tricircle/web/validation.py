"""Request body validation with JSON schemas, worded as Nova words its 400s."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import best_match

from tricircle.web.errors import bad_request


def _number(instance: Any) -> Any:
    """A numeric string as its number; anything else unchanged."""
    if not isinstance(instance, str):
        return instance
    for kind in (int, float):
        try:
            return kind(instance)
        except ValueError:
            continue
    return instance


def _on_numbers(keyword: str) -> Any:
    check = Draft202012Validator.VALIDATORS[keyword]

    def validate(validator: Any, bound: Any, instance: Any, schema: Any) -> Any:
        return check(validator, bound, _number(instance), schema)

    return validate


# Nova's validator applies the numeric bounds to numeric strings too ("ram": "0" is refused).
_NovaValidator = validators.extend(
    Draft202012Validator,
    {k: _on_numbers(k) for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")},
)


class Schema:
    def __init__(self, schema: dict[str, Any]) -> None:
        Draft202012Validator.check_schema(schema)
        self.schema = schema
        self._validator = _NovaValidator(schema)

    def validate(self, body: Any) -> None:
        error = best_match(self._validator.iter_errors(body))
        if error is None:
            return
        if error.validator in ("additionalProperties", "required") or not error.path:
            raise bad_request(f"Invalid input for field/attribute. {error.message}")
        field = "/".join(str(part) for part in error.path)
        raise bad_request(
            f"Invalid input for field/attribute {field}. Value: {error.instance!r}. {error.message}"
        )


def wrapped(
    key: str,
    properties: dict[str, Any],
    required: tuple[str, ...] = (),
    *,
    strict: bool = True,
) -> Schema:
    """A body ``{key: {...}}``, as every OpenStack API wraps its resources.

    `strict` refuses properties not listed; loose schemas leave them to the pod.
    """
    inner: dict[str, Any] = {"type": "object", "properties": properties, "required": list(required)}
    outer: dict[str, Any] = {"type": "object", "properties": {key: inner}, "required": [key]}
    if strict:
        inner["additionalProperties"] = outer["additionalProperties"] = False
    return Schema(outer)


def string(max_length: int = 255, min_length: int = 0, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "minLength": min_length, "maxLength": max_length, **extra}


NAME = string(255, 1, pattern=r"^(?! )[^\x00-\x1f]*(?<! )$")
UUID_OR_NAME = string(255, 1)
