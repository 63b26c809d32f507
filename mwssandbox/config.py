"""Loading and checking a sandbox configuration (JSON or TOML).

The smallest useful config is the shape from the issue: ``developers`` and ``sellers`` with their
``authorizations``. Every other key is optional and listed in docs/sandbox.md. Unknown keys are an
error, so a typo cannot silently leave a setting at its default.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mwssandbox.faults import FaultRule, parse_rule
from mwssandbox.marketplaces import MARKETPLACES, NON_RETAIL_MARKETPLACES, REGIONS
from mwssandbox.throttle import THROTTLE_TABLE, ThrottleLimits

DEFAULT_CONFIG = Path(__file__).with_name("default_config.json")


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Developer:
    access_key_id: str
    secret_key: str = field(repr=False)
    account_number: str
    name: str


@dataclass(frozen=True)
class Authorization:
    access_key_id: str
    # None: the developer is the seller's own developer account, which calls without a token.
    mws_auth_token: str | None = field(repr=False)


@dataclass(frozen=True)
class SellerLogin:
    email: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class Seller:
    seller_id: str
    name: str
    region: str
    marketplaces: tuple[str, ...]
    home_marketplace: str
    authorizations: tuple[Authorization, ...]
    suspended_listings: frozenset[str]
    login: SellerLogin | None
    catalogue_size: int
    # Listed by ListMarketplaceParticipations after the retail ones; reports and feeds never
    # take them.
    non_retail_marketplaces: tuple[str, ...] = ()


@dataclass(frozen=True)
class Delays:
    """Seconds each stage takes before time scaling."""

    report_submitted: float = 5.0
    report_in_progress: float = 10.0
    feed_submitted: float = 5.0
    feed_in_progress: float = 15.0


@dataclass(frozen=True)
class ReportSettings:
    default_size_bytes: int | None = None
    sizes: Mapping[str, int] = field(default_factory=dict)
    catalogue_size: int = 200
    retention_days: int = 90
    settlement_interval_days: float | None = 14.0
    # Settlements already issued when the sandbox starts, so that a new seller has a history.
    settlement_history: int = 3


@dataclass(frozen=True)
class ThrottleSettings:
    enabled: bool = True
    # Real EU accounts showed Feeds hourly quotas multiplied by their number of marketplaces.
    feeds_hourly_per_eu_marketplace: bool = True
    overrides: Mapping[str, ThrottleLimits] = field(default_factory=dict)

    def limits(self, group: str) -> ThrottleLimits:
        return self.overrides.get(group, THROTTLE_TABLE[group])


@dataclass(frozen=True)
class RequestChecks:
    timestamp_tolerance_seconds: float = 900.0
    user_agent: bool = True
    max_form_bytes: int = 10 * 1024 * 1024


@dataclass(frozen=True)
class PagingSettings:
    next_token_ttl_seconds: float = 900.0
    participations_page_size: int = 50


@dataclass(frozen=True)
class ServiceStatus:
    status: str = "GREEN"
    messages: tuple[tuple[str, str], ...] = ()  # (locale, text)


@dataclass(frozen=True)
class SandboxConfig:
    developers: tuple[Developer, ...]
    sellers: tuple[Seller, ...]
    reports: ReportSettings = field(default_factory=ReportSettings)
    delays: Delays = field(default_factory=Delays)
    throttling: ThrottleSettings = field(default_factory=ThrottleSettings)
    checks: RequestChecks = field(default_factory=RequestChecks)
    paging: PagingSettings = field(default_factory=PagingSettings)
    service_status: ServiceStatus = field(default_factory=ServiceStatus)
    faults: tuple[Mapping[str, Any], ...] = ()
    state_file: Path | None = None
    source: Path | None = None
    # The sign-in page lists the sellers' demo logins, so a newcomer is never stuck there; off
    # for a sandbox shared with people who should sign in as one seller only.
    show_demo_logins: bool = True

    def developer_by_key(self, access_key_id: str) -> Developer | None:
        return next((d for d in self.developers if d.access_key_id == access_key_id), None)

    def seller(self, seller_id: str) -> Seller | None:
        return next((s for s in self.sellers if s.seller_id == seller_id), None)

    def fault_rules(self) -> list[FaultRule]:
        return [parse_rule(raw) for raw in self.faults]


def load_config(source: Mapping[str, Any] | str | Path | None = None) -> SandboxConfig:
    """A checked config from a mapping, a ``.json``/``.toml`` file, or the default config."""
    path: Path | None = None
    if source is None:
        source = DEFAULT_CONFIG
    if isinstance(source, str | Path):
        path = Path(source).resolve()
        raw = _read_file(path)
    else:
        raw = source
    return _build(_Node(raw, "config"), path)


def _read_file(path: Path) -> Any:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read sandbox config {path}: {exc.strerror}") from None
    try:
        if path.suffix.lower() == ".toml":
            return tomllib.loads(data.decode("utf-8"))
        if path.suffix.lower() == ".json":
            return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid {path.suffix[1:].upper()}: {exc}") from None
    raise ConfigError(f"{path}: a sandbox config must end in .json or .toml")


class _Node:
    """A value inside the config together with where it is, for error messages."""

    def __init__(self, value: Any, where: str) -> None:
        self.value = value
        self.where = where

    def fail(self, problem: str) -> ConfigError:
        return ConfigError(f"{self.where}: {problem}")

    def table(self, allowed: set[str], required: set[str] = frozenset()) -> dict[str, _Node]:
        if not isinstance(self.value, Mapping):
            raise self.fail("must be an object")
        unknown = set(self.value) - allowed
        if unknown:
            raise self.fail(f"unknown keys {', '.join(sorted(unknown))}")
        missing = required - set(self.value)
        if missing:
            raise self.fail(f"missing keys {', '.join(sorted(missing))}")
        return {key: _Node(value, f"{self.where}.{key}") for key, value in self.value.items()}

    def items(self) -> list[_Node]:
        if not isinstance(self.value, list):
            raise self.fail("must be a list")
        return [_Node(value, f"{self.where}[{i}]") for i, value in enumerate(self.value)]

    def text(self) -> str:
        if not isinstance(self.value, str) or not self.value.strip():
            raise self.fail("must be a non-empty string")
        return self.value.strip()

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            raise self.fail("must be true or false")
        return self.value

    def number(self, *, minimum: float = 0.0, above: bool = False) -> float:
        value = self.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail("must be a number")
        if value < minimum or (above and value == minimum):
            raise self.fail(f"must be {'above' if above else 'at least'} {minimum}")
        return float(value)

    def whole(self, *, minimum: int = 0) -> int:
        value = self.value
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(f"must be a whole number of at least {minimum}")
        return value


def _get(nodes: dict[str, _Node], key: str) -> _Node | None:
    node = nodes.get(key)
    return None if node is None or node.value is None else node


def _build(root: _Node, path: Path | None) -> SandboxConfig:
    top = root.table(
        {
            "developers", "sellers", "reports", "delays", "throttling", "requests", "paging",
            "service_status", "faults", "state_file", "show_demo_logins",
        },
        {"developers", "sellers"},
    )  # fmt: skip
    developers = tuple(_developer(node) for node in top["developers"].items())
    if not developers:
        raise top["developers"].fail("must list at least one developer")
    _unique(top["developers"], [d.access_key_id for d in developers], "access_key_id")
    _unique(top["developers"], [d.account_number for d in developers], "account_number")
    reports = _reports(_get(top, "reports"))
    keys = {d.access_key_id for d in developers}
    sellers = tuple(_seller(node, keys, reports.catalogue_size) for node in top["sellers"].items())
    _unique(top["sellers"], [s.seller_id for s in sellers], "seller_id")
    tokens = [a.mws_auth_token for s in sellers for a in s.authorizations if a.mws_auth_token]
    _unique(top["sellers"], tokens, "mws_auth_token")
    emails = [s.login.email.lower() for s in sellers if s.login]
    _unique(top["sellers"], emails, "seller_central.email")
    faults: tuple[Mapping[str, Any], ...] = ()
    if (node := _get(top, "faults")) is not None:
        for item in node.items():
            try:
                parse_rule(item.value)
            except ValueError as exc:
                raise item.fail(str(exc)) from None
        faults = tuple(node.value)
    state_file = None
    if (node := _get(top, "state_file")) is not None:
        state_file = Path(node.text())
        if path is not None and not state_file.is_absolute():
            state_file = path.parent / state_file
    show_demo_logins = _get(top, "show_demo_logins")
    return SandboxConfig(
        show_demo_logins=True if show_demo_logins is None else show_demo_logins.boolean(),
        developers=developers,
        sellers=sellers,
        reports=reports,
        delays=_delays(_get(top, "delays")),
        throttling=_throttling(_get(top, "throttling")),
        checks=_checks(_get(top, "requests")),
        paging=_paging(_get(top, "paging")),
        service_status=_service_status(_get(top, "service_status")),
        faults=faults,
        state_file=state_file,
        source=path,
    )


def _unique(node: _Node, values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise node.fail(f"{what} {value!r} appears more than once")
        seen.add(value)


def _developer(node: _Node) -> Developer:
    fields = node.table(
        {"access_key_id", "secret_key", "account_number", "name"},
        {"access_key_id", "secret_key", "account_number", "name"},
    )
    return Developer(
        access_key_id=fields["access_key_id"].text(),
        secret_key=fields["secret_key"].text(),
        account_number=fields["account_number"].text(),
        name=fields["name"].text(),
    )


def _seller(node: _Node, developer_keys: set[str], default_catalogue: int) -> Seller:
    fields = node.table(
        {
            "seller_id", "name", "region", "marketplaces", "home_marketplace", "authorizations",
            "suspended_listings", "seller_central", "catalogue_size", "non_retail_marketplaces",
        },
        {"seller_id", "region", "marketplaces"},
    )  # fmt: skip
    seller_id = fields["seller_id"].text()
    region = fields["region"].text().upper()
    if region not in REGIONS:
        raise fields["region"].fail(f"must be one of {', '.join(REGIONS)}")
    marketplaces = []
    for item in fields["marketplaces"].items():
        marketplace_id = item.text()
        known = MARKETPLACES.get(marketplace_id)
        if known is None:
            raise item.fail(f"unknown marketplace id {marketplace_id!r}")
        if known.region != region:
            raise item.fail(f"{marketplace_id} ({known.country}) is not in region {region}")
        marketplaces.append(marketplace_id)
    if not marketplaces:
        raise fields["marketplaces"].fail("must list at least one marketplace")
    home = marketplaces[0]
    if (home_node := _get(fields, "home_marketplace")) is not None:
        home = home_node.text()
        if home not in marketplaces:
            raise home_node.fail("must be one of the seller's marketplaces")
    authorizations = []
    if (auth_node := _get(fields, "authorizations")) is not None:
        for item in auth_node.items():
            auth = item.table({"access_key_id", "mws_auth_token"}, {"access_key_id"})
            key = auth["access_key_id"].text()
            if key not in developer_keys:
                raise auth["access_key_id"].fail(f"no developer has access key id {key!r}")
            token_node = _get(auth, "mws_auth_token")
            authorizations.append(Authorization(key, token_node.text() if token_node else None))
    _unique(fields["seller_id"], [a.access_key_id for a in authorizations], "authorization for")
    suspended: frozenset[str] = frozenset()
    if (node := _get(fields, "suspended_listings")) is not None:
        if isinstance(node.value, bool):
            suspended = frozenset(marketplaces) if node.value else frozenset()
        else:
            suspended = frozenset(item.text() for item in node.items())
            if not suspended <= set(marketplaces):
                raise node.fail("must be true, false or a list of the seller's marketplaces")
    login = None
    if (node := _get(fields, "seller_central")) is not None:
        creds = node.table({"email", "password"}, {"email", "password"})
        login = SellerLogin(creds["email"].text(), creds["password"].text())
    catalogue_size = default_catalogue
    if (node := _get(fields, "catalogue_size")) is not None:
        catalogue_size = node.whole(minimum=1)
    non_retail = []
    if (node := _get(fields, "non_retail_marketplaces")) is not None:
        for item in node.items():
            if item.text() not in NON_RETAIL_MARKETPLACES:
                known = ", ".join(sorted(NON_RETAIL_MARKETPLACES))
                raise item.fail(f"unknown non-retail marketplace id {item.text()!r} ({known})")
            non_retail.append(item.text())
    name_node = _get(fields, "name")
    return Seller(
        seller_id=seller_id,
        name=name_node.text() if name_node else seller_id,
        region=region,
        marketplaces=tuple(marketplaces),
        home_marketplace=home,
        authorizations=tuple(authorizations),
        suspended_listings=suspended,
        login=login,
        catalogue_size=catalogue_size,
        non_retail_marketplaces=tuple(non_retail),
    )


def _reports(node: _Node | None) -> ReportSettings:
    if node is None:
        return ReportSettings()
    fields = node.table(
        {
            "default_size_bytes",
            "sizes",
            "catalogue_size",
            "retention_days",
            "settlement_interval_days",
            "settlement_history",
        }
    )
    defaults = ReportSettings()
    sizes: dict[str, int] = {}
    if (sizes_node := _get(fields, "sizes")) is not None:
        for report_type, size_node in sizes_node.table(set(sizes_node.value or {})).items():
            sizes[report_type] = size_node.whole(minimum=0)
    size = _get(fields, "default_size_bytes")
    catalogue = _get(fields, "catalogue_size")
    retention = _get(fields, "retention_days")
    settlement = fields.get("settlement_interval_days")
    history = _get(fields, "settlement_history")
    return ReportSettings(
        default_size_bytes=size.whole(minimum=0) if size else None,
        sizes=sizes,
        catalogue_size=catalogue.whole(minimum=1) if catalogue else defaults.catalogue_size,
        retention_days=retention.whole(minimum=1) if retention else defaults.retention_days,
        settlement_interval_days=(
            defaults.settlement_interval_days
            if settlement is None
            else None
            if settlement.value is None or settlement.value is False
            else settlement.number(minimum=0, above=True)
        ),
        settlement_history=(history.whole(minimum=0) if history else defaults.settlement_history),
    )


def _delays(node: _Node | None) -> Delays:
    if node is None:
        return Delays()
    names = {"report_submitted", "report_in_progress", "feed_submitted", "feed_in_progress"}
    fields = node.table(names)
    return Delays(**{key: value.number() for key, value in fields.items()})


def _throttling(node: _Node | None) -> ThrottleSettings:
    if node is None:
        return ThrottleSettings()
    fields = node.table({"enabled", "feeds_hourly_per_eu_marketplace", "groups"})
    defaults = ThrottleSettings()
    overrides: dict[str, ThrottleLimits] = {}
    if (groups := _get(fields, "groups")) is not None:
        for group, limits_node in groups.table(set(THROTTLE_TABLE)).items():
            base = THROTTLE_TABLE[group]
            limits = limits_node.table({"quota", "restore_seconds", "hourly"})
            hourly = base.hourly
            if "hourly" in limits:
                hourly = (
                    None if limits["hourly"].value is None else limits["hourly"].whole(minimum=1)
                )
            overrides[group] = ThrottleLimits(
                quota=limits["quota"].whole(minimum=1) if "quota" in limits else base.quota,
                restore_seconds=(
                    limits["restore_seconds"].number(minimum=0, above=True)
                    if "restore_seconds" in limits
                    else base.restore_seconds
                ),
                hourly=hourly,
            )
    enabled = _get(fields, "enabled")
    per_eu = _get(fields, "feeds_hourly_per_eu_marketplace")
    return ThrottleSettings(
        enabled=enabled.boolean() if enabled else defaults.enabled,
        feeds_hourly_per_eu_marketplace=(
            per_eu.boolean() if per_eu else defaults.feeds_hourly_per_eu_marketplace
        ),
        overrides=overrides,
    )


def _checks(node: _Node | None) -> RequestChecks:
    if node is None:
        return RequestChecks()
    fields = node.table({"timestamp_tolerance_seconds", "user_agent", "max_form_bytes"})
    defaults = RequestChecks()
    tolerance = _get(fields, "timestamp_tolerance_seconds")
    user_agent = _get(fields, "user_agent")
    form = _get(fields, "max_form_bytes")
    return RequestChecks(
        timestamp_tolerance_seconds=(
            tolerance.number(above=True) if tolerance else defaults.timestamp_tolerance_seconds
        ),
        user_agent=user_agent.boolean() if user_agent else defaults.user_agent,
        max_form_bytes=form.whole(minimum=1024) if form else defaults.max_form_bytes,
    )


def _paging(node: _Node | None) -> PagingSettings:
    if node is None:
        return PagingSettings()
    fields = node.table({"next_token_ttl_seconds", "participations_page_size"})
    defaults = PagingSettings()
    ttl = _get(fields, "next_token_ttl_seconds")
    page = _get(fields, "participations_page_size")
    return PagingSettings(
        next_token_ttl_seconds=ttl.number(above=True) if ttl else defaults.next_token_ttl_seconds,
        participations_page_size=(
            page.whole(minimum=1) if page else defaults.participations_page_size
        ),
    )


def _service_status(node: _Node | None) -> ServiceStatus:
    if node is None:
        return ServiceStatus()
    fields = node.table({"status", "messages"})
    status = _get(fields, "status")
    value = status.text().upper() if status else "GREEN"
    if value not in {"GREEN", "GREEN_I", "YELLOW", "RED"}:
        raise fields["status"].fail("must be GREEN, GREEN_I, YELLOW or RED")
    messages = []
    if (node := _get(fields, "messages")) is not None:
        for item in node.items():
            message = item.table({"locale", "text"}, {"locale", "text"})
            messages.append((message["locale"].text(), message["text"].text()))
    return ServiceStatus(value, tuple(messages))
