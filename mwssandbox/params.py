"""Operation parameters: declared per operation, parsed and checked the way MWS did.

Structured lists arrive as ``<ListName>.<Member>.<n>`` with n from 1 (a lone
``<ListName>.<Member>`` is member 1); booleans as ``true`` /
``false``; dates as ISO 8601. A parameter the operation does not take is ``InvalidQueryParameter``
("superfluous parameter"), a missing one ``MissingParameter``, a value outside an enumeration the
enumeration's own code (``InvalidReportType``, ``InvalidFeedType``, ``InvalidScheduleFrequency``)
or ``InvalidParameterValue``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mwssandbox.errors import MWSError, invalid_value, missing_parameter

# Parameters every call may carry; the front door checks them before the operation sees the rest.
COMMON = frozenset(
    {
        "AWSAccessKeyId", "Action", "MWSAuthToken", "SellerId", "Merchant", "Signature",
        "SignatureMethod", "SignatureVersion", "Timestamp", "Expires", "Version", "Marketplace",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Spec:
    name: str
    kind: str = "text"  # text | bool | int | date | enum
    required: bool = False
    values: frozenset[str] | None = None
    invalid_code: str = "InvalidParameterValue"
    invalid_label: str = ""
    minimum: int | None = None
    maximum: int | None = None
    member: str | None = None  # set for structured lists: Name.Member.n
    max_items: int | None = None


def enum_error(spec: Spec, name: str, value: str) -> MWSError:
    if spec.invalid_code == "InvalidParameterValue":
        return invalid_value(name, value)
    return MWSError(spec.invalid_code, f"Invalid {spec.invalid_label}: {value}")


def parse_date(name: str, value: str) -> datetime:
    """ISO 8601 with ``Z``, an offset, or none (then UTC, as the guide says); dates alone too."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise invalid_value(name, value, "It must be in ISO 8601 format.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered not in ("true", "false"):
        raise invalid_value(name, value, "It must be true or false.")
    return lowered == "true"


def parse_params(specs: tuple[Spec, ...], raw: Mapping[str, str]) -> dict[str, Any]:
    """Typed values by spec name; lists become lists in member order."""
    by_name = {spec.name: spec for spec in specs}
    lists: dict[str, list[tuple[int, str, str]]] = {}
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name in COMMON:
            continue
        spec = by_name.get(name)
        if spec is not None and spec.member is None:
            values[name] = _scalar(spec, name, value)
            continue
        head, _, rest = name.partition(".")
        spec = by_name.get(head)
        member, _, index = rest.partition(".")
        if spec is None or spec.member is None or member != spec.member:
            raise MWSError("InvalidQueryParameter", f"The parameter {name} is not recognized.")
        if rest == member:
            # ``FeedSubmissionIdList.Id=123``: one published SDK writes a single-element list
            # without its number, and MWS took it as member 1.
            index = "1"
        if not index.isdigit() or int(index) < 1:
            raise invalid_value(name, value, "List members are numbered from 1.")
        if any(taken == int(index) for taken, _, _ in lists.get(head, ())):
            raise invalid_value(name, value, f"Member {index} of {head} is given twice.")
        lists.setdefault(head, []).append((int(index), name, value))
    for head, members in lists.items():
        spec = by_name[head]
        if spec.max_items is not None and len(members) > spec.max_items:
            raise invalid_value(
                f"{head}.{spec.member}",
                str(len(members)),
                f"At most {spec.max_items} values may be given.",
            )
        values[head] = [_scalar(spec, name, value) for _, name, value in sorted(members)]
    for spec in specs:
        if spec.required and spec.name not in values:
            label = spec.name if spec.member is None else f"{spec.name}.{spec.member}.1"
            raise missing_parameter(label)
    return values


def _scalar(spec: Spec, name: str, value: str) -> Any:
    if spec.kind == "bool":
        return parse_bool(name, value)
    if spec.kind == "date":
        return parse_date(name, value)
    if spec.kind == "int":
        try:
            number = int(value.strip())
        except ValueError:
            raise invalid_value(name, value, "It must be a whole number.") from None
        if (spec.minimum is not None and number < spec.minimum) or (
            spec.maximum is not None and number > spec.maximum
        ):
            raise invalid_value(
                name, value, f"It must be between {spec.minimum} and {spec.maximum}."
            )
        return number
    if spec.kind == "enum":
        assert spec.values is not None
        if value not in spec.values:
            raise enum_error(spec, name, value)
        return value
    if spec.required and not value.strip():
        raise missing_parameter(name)
    return value
