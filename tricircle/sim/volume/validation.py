"""Request bodies checked with JSON schemas, failing in Cinder's words.

Cinder validates bodies with jsonschema (Draft 4) and reports the first error as
"Invalid input for field/attribute <last path item>. Value: <value>. <jsonschema message>",
or the bare message at the top level; numbers written as strings count against minimum and
maximum. The same library gives the same messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import jsonschema
from jsonschema import exceptions as schema_errors

from tricircle.sim.http import SimError

DB_MAX_INT = 0x7FFFFFFF

BOOLEAN_VALUES = [
    True, "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes", "y", "t",
    False, "False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no", "n", "f",
]  # fmt: skip
TRUE_VALUES = frozenset(str(v).lower() for v in BOOLEAN_VALUES[:13])

# -- schema fragments --------------------------------------------------------------------------

KEY_PATTERN = "^[a-zA-Z0-9-_:. /]{1,255}$"
BOOLEAN: dict[str, Any] = {"type": ["boolean", "string"], "enum": BOOLEAN_VALUES}
OPTIONAL_BOOLEAN: dict[str, Any] = {"oneOf": [{"type": "null"}, BOOLEAN]}
UUID: dict[str, Any] = {"type": "string", "format": "uuid"}
OPTIONAL_UUID: dict[str, Any] = {"oneOf": [{"type": "null"}, UUID]}
NAME: dict[str, Any] = {"type": ["string", "null"], "format": "name"}
DESCRIPTION: dict[str, Any] = {"type": ["string", "null"], "format": "description"}
STRING_255: dict[str, Any] = {"type": ["string", "null"], "minLength": 0, "maxLength": 255}
SIZE: dict[str, Any] = {
    "type": ["integer", "string"],
    "pattern": "^[0-9]+$",
    "minimum": 1,
    "maximum": DB_MAX_INT,
}
METADATA: dict[str, Any] = {
    "type": "object",
    "patternProperties": {KEY_PATTERN: {"type": "string", "maxLength": 255}},
    "additionalProperties": False,
}
METADATA_OR_NULL: dict[str, Any] = {**METADATA, "type": ["object", "null"]}


def body_of(key: str, properties: dict[str, Any], **rules: Any) -> dict[str, Any]:
    """The schema of a body `{key: {...properties}}` (further rules go on the inner object)."""
    inner = {"type": "object", "properties": properties, **rules}
    return {
        "type": "object",
        "properties": {key: inner},
        "required": [key],
        "additionalProperties": False,
    }


# -- formats -----------------------------------------------------------------------------------


def _stripped_length(field: str) -> Callable[[Any], bool]:
    """Cinder trims names and descriptions, then refuses more than 255 characters."""

    def check(value: Any) -> bool:
        if isinstance(value, str) and len(value.strip()) > 255:
            raise SimError(
                400,
                f"Invalid input received: {field} has {len(value.strip())} characters, "
                "more than 255.",
            )
        return True

    return check


def _type_name(value: Any) -> bool:
    if isinstance(value, str) and not value.strip():
        raise SimError(400, "An invalid 'name' value was provided. The 'name' can not be empty.")
    return True


def is_uuid(value: Any) -> bool:
    text = str(value).replace("-", "").lower()
    return len(text) == 32 and all(c in "0123456789abcdef" for c in text)


_FORMATS = jsonschema.FormatChecker(formats=())
_FORMATS.checks("name")(_stripped_length("name"))
_FORMATS.checks("description")(_stripped_length("description"))
_FORMATS.checks("uuid")(is_uuid)
_FORMATS.checks("type_name")(_type_name)


# -- the validator -----------------------------------------------------------------------------


def _as_number(value: Any) -> int | float | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return float(value)
        except (TypeError, ValueError):
            return None


def _on_number(keyword: str) -> Callable[..., Iterator[schema_errors.ValidationError]]:
    """jsonschema's own check of `keyword`, applied to numbers written as strings too."""
    check = jsonschema.Draft4Validator.VALIDATORS[keyword]

    def numeric(
        validator: Any, bound: float, instance: Any, schema: dict[str, Any]
    ) -> Iterator[schema_errors.ValidationError]:
        number = _as_number(instance)
        if number is not None:
            yield from check(validator, bound, number, schema) or ()

    return numeric


_Validator = jsonschema.validators.extend(
    jsonschema.Draft4Validator, {"minimum": _on_number("minimum"), "maximum": _on_number("maximum")}
)


def validate(body: Any, schema: dict[str, Any]) -> dict[str, Any]:
    """The body once it matches the schema; a 400 worded as Cinder words it otherwise."""
    error = next(_Validator(schema, format_checker=_FORMATS).iter_errors(body), None)
    if error is None:
        return body
    if error.path:
        raise SimError(
            400,
            f"Invalid input for field/attribute {error.path[-1]}. "
            f"Value: {error.instance}. {error.message}",
        )
    raise SimError(400, error.message)


def to_bool(value: Any) -> bool:
    """A boolean that passed BOOLEAN."""
    return str(value).lower() in TRUE_VALUES


def whole_number(value: Any, name: str, minimum: int) -> int:
    """oslo's validate_integer, in its words: "<name> must be an integer", "... >= <min>"."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SimError(400, f"{name} must be an integer") from None
    if number < minimum:
        raise SimError(400, f"{name} must be >= {minimum}")
    return number


def single_item(body: Any, key: str) -> Any:
    """The value of a one-item body `{key: value}` whose key the URL names."""
    if not isinstance(body, dict) or key not in body:
        raise SimError(400, "Request body and URI mismatch")
    if len(body) > 1:
        raise SimError(400, "Request body contains too many items")
    return body[key]
