"""The client's catalog and the sandbox's own facts agree.

Both are written from the same reference, and on purpose neither imports the other: the
sandbox checks requests with its own tables, so a mistake in the client cannot be mirrored by
the server. Only this test reads both sides, fact by fact: operations, sections, versions and
paths, parameters (names, required, kinds, bounds, list members, enumerations), report and feed
types, statuses and schedules, marketplaces, regions and hosts, throttle numbers, and every error
code the sandbox can raise having a family of its own in the client.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mwssandbox
from mwsclient import endpoints as client_endpoints
from mwsclient import errors as client_errors
from mwsclient import operations as client_catalog
from mwssandbox import enums as sandbox_enums
from mwssandbox import marketplaces as sandbox_marketplaces
from mwssandbox import operations as sandbox_operations
from mwssandbox import throttle as sandbox_throttle
from mwssandbox.errors import CODES as SANDBOX_CODES
from mwssandbox.errors import MWSError as SandboxError
from mwssandbox.feedproc import XML_FEED_MESSAGE_TYPES
from mwssandbox.params import Spec

CLIENT_OPERATIONS = client_catalog.OPERATIONS
SANDBOX_OPERATIONS = sandbox_operations.OPERATIONS
OPERATION_NAMES = sorted(CLIENT_OPERATIONS)

# The client's parameter types and the sandbox's parameter kinds name the same shapes
# differently; a list is told apart by its member on both sides.
SANDBOX_KIND = {
    "string": "text",
    "options": "text",
    "list": "text",
    "integer": "int",
    "boolean": "bool",
    "datetime": "date",
    "enum": "enum",
}


def _sandbox_params(name: str) -> dict[str, Spec]:
    return {spec.name: spec for spec in SANDBOX_OPERATIONS[name].params}


def _client_params(name: str) -> dict[str, client_catalog.Param]:
    return {param.name: param for param in CLIENT_OPERATIONS[name].params}


# --- Operations, sections, versions, paths --------------------------------------------------


def test_both_sides_know_the_same_operations() -> None:
    assert set(CLIENT_OPERATIONS) == set(SANDBOX_OPERATIONS)
    assert len(CLIENT_OPERATIONS) == 23  # 14 Reports, 6 Feeds, 3 Sellers operations


@pytest.mark.parametrize("name", OPERATION_NAMES)
def test_section_version_and_path_agree(name: str) -> None:
    client_side = CLIENT_OPERATIONS[name]
    section = SANDBOX_OPERATIONS[name].section
    assert client_side.section == section.name
    assert client_side.version == section.version
    assert client_side.path == f"/{section.name}/{section.version}"
    assert section in sandbox_operations.PATHS[client_side.path]


@pytest.mark.parametrize("name", OPERATION_NAMES)
def test_streamed_operations_agree(name: str) -> None:
    """Uploads and downloads are the operations whose bodies the sandbox streams."""
    assert (CLIENT_OPERATIONS[name].kind != "xml") == SANDBOX_OPERATIONS[name].streams


def test_next_token_twins_agree() -> None:
    client_twins = {
        name: op.parent_operation for name, op in CLIENT_OPERATIONS.items() if op.parent_operation
    }
    sandbox_twins = {
        name: name.removesuffix("ByNextToken")
        for name in SANDBOX_OPERATIONS
        if name.endswith("ByNextToken")
    }
    assert client_twins == sandbox_twins
    for twin, parent in client_twins.items():
        assert CLIENT_OPERATIONS[parent].next_token_operation == twin
        assert set(_sandbox_params(twin)) == {"NextToken"}


# --- Parameters -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", OPERATION_NAMES)
def test_parameter_names_agree(name: str) -> None:
    assert set(_client_params(name)) == set(_sandbox_params(name))


PARAMETERS = [
    (name, param_name) for name in OPERATION_NAMES for param_name in sorted(_client_params(name))
]

# Parameters the sandbox requires in the operation itself, with the answer MWS gives, so its
# spec leaves them optional.
REQUIRED_BY_THE_OPERATION = {
    # A ByNextToken call without one is MWS's own "nextToken null" validation error, not
    # MissingParameter.
    "NextToken",
    # SubmitFeed takes the MD5 from this parameter or the Content-MD5 header and answers
    # ContentMD5Missing without either; the client always sends the parameter.
    "ContentMD5Value",
}


def _required_by_sandbox(spec: Spec) -> bool:
    return spec.required or spec.name in REQUIRED_BY_THE_OPERATION


def _values_accepted_by_sandbox(name: str, spec: Spec) -> frozenset[str] | None:
    if spec.values is not None and name in ("RequestReport", "ManageReportSchedule"):
        # The sandbox parses every report type it knows and then refuses, with its own message,
        # the ones Amazon generates (settlements, feed summaries): nobody can request those.
        return spec.values - sandbox_enums.SYSTEM_REPORT_TYPES
    return spec.values


@pytest.mark.parametrize(
    ("name", "param_name"), PARAMETERS, ids=[f"{name}.{param}" for name, param in PARAMETERS]
)
def test_parameter_facts_agree(name: str, param_name: str) -> None:
    param = _client_params(name)[param_name]
    spec = _sandbox_params(name)[param_name]
    assert param.required == _required_by_sandbox(spec)
    assert param.list_member == spec.member
    assert (param.min_value, param.max_value) == (spec.minimum, spec.maximum)
    # A list of enumeration values is checked member by member as an enum by the sandbox.
    expected_kind = "enum" if param.choices is not None else SANDBOX_KIND[param.type]
    assert spec.kind == expected_kind
    accepted = _values_accepted_by_sandbox(name, spec)
    assert (None if param.choices is None else set(param.choices)) == accepted
    if param.list_member is not None and param.choices is not None and spec.max_items is None:
        # The client bounds a list of enumeration values by the number of distinct values;
        # the sandbox states no bound of its own there.
        assert param.max_items == len(param.choices)
    else:
        assert param.max_items == spec.max_items


def test_report_and_feed_types_agree() -> None:
    assert set(client_catalog.REPORT_TYPES) == sandbox_enums.ALL_REPORT_TYPES
    assert set(client_catalog.REQUESTABLE_REPORT_TYPES) == sandbox_enums.REQUESTABLE_REPORT_TYPES
    assert set(client_catalog.FEED_TYPES) == sandbox_enums.FEED_TYPES


def test_xml_feed_envelopes_agree() -> None:
    client_side = {
        value: info.message_type
        for value, info in client_catalog.FEED_TYPES.items()
        if info.format == "xml" and info.message_type
    }
    assert client_side == XML_FEED_MESSAGE_TYPES


def test_processing_statuses_agree() -> None:
    assert set(client_catalog.REPORT_PROCESSING_STATUSES) == sandbox_enums.REPORT_STATUSES
    assert set(client_catalog.FEED_PROCESSING_STATUSES) == sandbox_enums.FEED_STATUSES


def test_schedules_and_their_intervals_agree() -> None:
    client_side = {value: info.interval_seconds for value, info in client_catalog.SCHEDULES.items()}
    assert client_side == sandbox_enums.SCHEDULES
    assert list(client_side) == list(sandbox_enums.SCHEDULES)


# --- Marketplaces, regions, hosts -----------------------------------------------------------


def test_both_sides_know_the_same_marketplaces() -> None:
    assert set(client_endpoints.MARKETPLACES) == set(sandbox_marketplaces.MARKETPLACES)


@pytest.mark.parametrize("marketplace_id", sorted(client_endpoints.MARKETPLACES))
def test_marketplace_facts_agree(marketplace_id: str) -> None:
    client_side = client_endpoints.MARKETPLACES[marketplace_id]
    sandbox_side = sandbox_marketplaces.MARKETPLACES[marketplace_id]
    assert client_side.country_code == sandbox_side.country
    assert client_side.domain == sandbox_side.domain
    assert client_side.region == sandbox_side.region
    assert client_side.host == sandbox_marketplaces.HOSTS[marketplace_id]
    assert client_side.sends_marketplace_id_list == (
        marketplace_id not in sandbox_marketplaces.MARKETPLACE_ID_LIST_IGNORED
    )


def test_regions_their_marketplaces_and_hosts_agree() -> None:
    assert set(client_endpoints.REGIONS) == set(sandbox_marketplaces.REGIONS)
    for code, region in client_endpoints.REGIONS.items():
        in_sandbox = {
            mid for mid, row in sandbox_marketplaces.MARKETPLACES.items() if row.region == code
        }
        assert set(region.marketplace_ids) == in_sandbox, code
        # The sandbox answers on every host the client may address.
        assert region.host in sandbox_marketplaces.MWS_HOSTS, code
    client_hosts = {m.host for m in client_endpoints.MARKETPLACES.values()}
    assert client_hosts == set(sandbox_marketplaces.MWS_HOSTS)


# --- Throttling -----------------------------------------------------------------------------


def test_both_sides_throttle_the_same_buckets() -> None:
    client_groups = {op.throttle.name for op in CLIENT_OPERATIONS.values()}
    assert client_groups == set(sandbox_throttle.THROTTLE_TABLE)


@pytest.mark.parametrize("name", OPERATION_NAMES)
def test_bucket_and_its_numbers_agree(name: str) -> None:
    client_side = CLIENT_OPERATIONS[name].throttle
    group = sandbox_throttle.throttle_group(name)
    sandbox_side = sandbox_throttle.THROTTLE_TABLE[group]
    assert client_side.name == group
    assert (client_side.quota, client_side.restore_seconds, client_side.hourly_quota) == (
        sandbox_side.quota,
        sandbox_side.restore_seconds,
        sandbox_side.hourly,
    )


# --- Error codes ----------------------------------------------------------------------------


def _codes_written_in_the_sandbox() -> set[str]:
    """First string arguments of every ``MWSError(...)`` / ``_error(...)`` call and every
    ``invalid_code=`` keyword in the sandbox's modules: the codes it can answer with."""
    found: set[str] = set()
    for path in Path(mwssandbox.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            called = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if called in ("MWSError", "_error") and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.add(first.value)
            for keyword in node.keywords:
                if keyword.arg == "invalid_code" and isinstance(keyword.value, ast.Constant):
                    found.add(keyword.value.value)
    return found


def test_every_code_the_sandbox_raises_is_one_it_registered() -> None:
    written = _codes_written_in_the_sandbox()
    assert {"InvalidAction", "RequestThrottled", "InvalidReportType"} <= written
    assert written <= SANDBOX_CODES, sorted(written - SANDBOX_CODES)


def test_an_unregistered_code_cannot_be_raised() -> None:
    with pytest.raises(ValueError, match="NoSuchCode"):
        SandboxError("NoSuchCode", "anything")


@pytest.mark.parametrize("code", sorted(SANDBOX_CODES))
def test_every_sandbox_code_has_a_family_in_the_client(code: str) -> None:
    assert code in client_errors.known_codes()
    assert client_errors.error_class_for(code, 400) is not client_errors.MWSError
