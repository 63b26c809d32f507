"""Validation and wire encoding of an operation's parameters, driven by the catalog.

Everything MWS would reject for its shape is rejected here, before anything is signed or
sent, with an ``InvalidParameterError`` that names the parameter and the rule it broke.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from mwsclient.errors import InvalidParameterError
from mwsclient.operations import Operation, Param

# Set by the client on every request; a caller passing one is a mistake worth catching.
RESERVED = frozenset(
    {
        "AWSAccessKeyId",
        "Action",
        "Merchant",
        "SellerId",
        "MWSAuthToken",
        "Signature",
        "SignatureMethod",
        "SignatureVersion",
        "Timestamp",
        "Version",
    }
)


def format_datetime(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``; milliseconds only when the value has a fraction."""
    utc = value.astimezone(UTC)
    if utc.microsecond:
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def _fail(op: Operation, name: str, rule: str) -> InvalidParameterError:
    return InvalidParameterError.local(name, rule, operation=op.name)


def _scalar(op: Operation, param: Param, name: str, value: Any) -> str:
    """One value (a scalar parameter, or one member of a list) in its wire form."""
    kind = param.type
    if kind == "list":
        # A list's members are ids or enumeration values.
        kind = "enum" if param.choices else "string"
    if kind == "enum":
        if value.__class__ is not str or value not in param.choice_set:
            raise _fail(op, name, f"{value!r} is not one of the allowed values")
        return value
    if kind == "string":
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise _fail(op, name, f"must be a string, not {type(value).__name__}")
        text = str(value)
        if not text.strip():
            raise _fail(op, name, "must not be empty")
        return text
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(op, name, f"must be an integer, not {type(value).__name__}")
        if param.min_value is not None and value < param.min_value:
            raise _fail(op, name, f"must be at least {param.min_value}, got {value}")
        if param.max_value is not None and value > param.max_value:
            raise _fail(op, name, f"must be at most {param.max_value}, got {value}")
        return str(value)
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _fail(op, name, f"must be True or False, not {type(value).__name__}")
        return "true" if value else "false"
    if kind == "datetime":
        if not isinstance(value, datetime):
            raise _fail(op, name, f"must be a datetime, not {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise _fail(op, name, "must be timezone-aware (a naive datetime is ambiguous)")
        return format_datetime(value)
    # options: a ready string, or a mapping turned into key=value;key=value.
    if isinstance(value, str):
        if not value.strip():
            raise _fail(op, name, "must not be empty")
        return value
    if isinstance(value, Mapping) and value:
        parts = []
        for key, item in value.items():
            text = ("true" if item else "false") if isinstance(item, bool) else str(item)
            parts.append(f"{param.options_prefix}{key}={text}")
        return ";".join(parts)
    raise _fail(op, name, "must be a non-empty string or mapping")


# Kinds whose wire text can hold reserved characters; enumeration values, integers and
# booleans never do (the catalog's tests hold its enumerations to that).
_FREE_TEXT = frozenset({"string", "datetime", "options"})


def encode_params(
    op: Operation,
    values: Mapping[str, Any] | None,
    *,
    encoder: Callable[[str], str] | None = None,
) -> dict[str, str]:
    """The operation's parameters in wire form (``name -> value`` strings), lists expanded.

    ``None`` values and empty lists count as absent, so callers can pass optional filters
    through without testing each one. Wire names are catalog names (and their list members),
    all made of RFC 3986 unreserved characters. ``encoder`` (the client passes the RFC 3986
    percent-encoder) is applied to free-text values only, the others need no encoding.
    """
    out: dict[str, str] = {}
    if not values:
        values = {}
    by_name = op.params_by_name
    for name, value in values.items():
        if value is None:
            continue
        param = by_name.get(name)
        if param is None:
            if name in RESERVED:
                raise _fail(op, name, "is set by the client, not passed as a parameter")
            raise _fail(op, name, f"is not a parameter of {op.name}")
        kind = param.type
        if kind == "list":
            if type(value) not in (list, tuple):
                if isinstance(value, (str, bytes)) or not isinstance(
                    value, (Sequence, set, frozenset)
                ):
                    raise _fail(op, name, "must be a list of values")
                value = list(value)
            if not value:
                continue
            if param.max_items is not None and len(value) > param.max_items:
                raise _fail(op, name, f"takes at most {param.max_items} values, got {len(value)}")
            prefix = param.list_prefix
            choices = param.choice_set
            for index, item in enumerate(value, start=1):
                # The common cases inline (a known enumeration value, a non-empty id string);
                # _scalar handles everything else, including the errors.
                if not (item.__class__ is str and (item in choices if choices else item.strip())):
                    item = _scalar(op, param, name, item)
                if encoder is not None and not choices:
                    item = encoder(item)
                out[f"{prefix}{index}"] = item
        else:
            if not (
                value.__class__ is str
                and (
                    value in param.choice_set
                    if kind == "enum"
                    else kind == "string" and value.strip()
                )
            ):
                value = _scalar(op, param, name, value)
            out[name] = encoder(value) if encoder is not None and kind in _FREE_TEXT else value

    for name, wire_name in op.required_params:
        if wire_name not in out:
            raise _fail(op, name, "is required")
    for earlier, later in op.date_ranges:
        start, end = values.get(earlier), values.get(later)
        if start is not None and end is not None and start > end:
            raise _fail(op, earlier, f"must not be later than {later}")
    return out
