"""Typed results of MWS operations and the metadata every response carries.

Field names follow the MWS element names in snake case. Optional elements that MWS omits until
they apply (``GeneratedReportId``, ``AcknowledgedDate``, ``CompletedProcessingDate`` ...) are
``None``. Lists are tuples so results stay immutable and hashable.

Paged results share three fields (``next_token``, ``has_next``, ``more_results_available``) and
two methods used by ``MWSClient.iter_pages``: ``item_keys`` (identities of the items on the
page) and ``excluding`` (the page without items already seen, for NextTokenCorrupted recovery).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Set
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, Self


@dataclass(frozen=True)
class QuotaInfo:
    """The ``x-mws-quota-*`` headers (Reports and Feeds only; Sellers never sends them)."""

    max: float | None
    remaining: float | None
    resets_on: datetime | None


@dataclass(frozen=True)
class ResponseMetadata:
    """What the guide asks to keep for 30 days, plus the quota state after the call."""

    http_status: int
    request_id: str | None
    # The server's ``x-mws-timestamp``; ``request_timestamp`` is the Timestamp we signed.
    timestamp: str | None
    request_timestamp: str
    quota: QuotaInfo | None


class Paged(Protocol):
    # Read-only, so the frozen result dataclasses meet the protocol.
    @property
    def next_token(self) -> str | None: ...

    @property
    def has_next(self) -> bool | None: ...

    @property
    def more_results_available(self) -> bool | None: ...

    def item_keys(self) -> frozenset[str]: ...

    def excluding(self, seen: Set[str]) -> Self: ...


# ---- Reports ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRequestInfo:
    report_request_id: str
    report_type: str
    report_processing_status: str
    submitted_date: datetime | None
    start_date: datetime | None
    end_date: datetime | None
    scheduled: bool
    generated_report_id: str | None = None
    started_processing_date: datetime | None = None
    completed_date: datetime | None = None


@dataclass(frozen=True)
class ReportInfo:
    report_id: str
    report_type: str
    available_date: datetime | None
    acknowledged: bool
    report_request_id: str | None = None
    acknowledged_date: datetime | None = None


@dataclass(frozen=True)
class ReportSchedule:
    report_type: str
    schedule: str
    scheduled_date: datetime | None


@dataclass(frozen=True)
class RequestReportResult:
    report_request_info: ReportRequestInfo


@dataclass(frozen=True)
class ReportRequestListResult:
    report_request_info: tuple[ReportRequestInfo, ...]
    has_next: bool | None
    next_token: str | None
    more_results_available: bool | None = None

    def item_keys(self) -> frozenset[str]:
        return frozenset(i.report_request_id for i in self.report_request_info)

    def excluding(self, seen: Set[str]) -> Self:
        kept = tuple(i for i in self.report_request_info if i.report_request_id not in seen)
        return dataclasses.replace(self, report_request_info=kept)


@dataclass(frozen=True)
class CountResult:
    count: int


@dataclass(frozen=True)
class CancelReportRequestsResult:
    count: int
    report_request_info: tuple[ReportRequestInfo, ...]


@dataclass(frozen=True)
class ReportListResult:
    report_info: tuple[ReportInfo, ...]
    has_next: bool | None
    next_token: str | None
    more_results_available: bool | None = None

    def item_keys(self) -> frozenset[str]:
        return frozenset(i.report_id for i in self.report_info)

    def excluding(self, seen: Set[str]) -> Self:
        kept = tuple(i for i in self.report_info if i.report_id not in seen)
        return dataclasses.replace(self, report_info=kept)


@dataclass(frozen=True)
class ManageReportScheduleResult:
    count: int
    report_schedule: tuple[ReportSchedule, ...]


@dataclass(frozen=True)
class ReportScheduleListResult:
    report_schedule: tuple[ReportSchedule, ...]
    has_next: bool | None
    next_token: str | None
    more_results_available: bool | None = None

    def item_keys(self) -> frozenset[str]:
        # At most one schedule per report type exists, so the type identifies it.
        return frozenset(s.report_type for s in self.report_schedule)

    def excluding(self, seen: Set[str]) -> Self:
        kept = tuple(s for s in self.report_schedule if s.report_type not in seen)
        return dataclasses.replace(self, report_schedule=kept)


@dataclass(frozen=True)
class UpdateReportAcknowledgementsResult:
    count: int
    report_info: tuple[ReportInfo, ...]


# ---- Feeds --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedSubmissionInfo:
    feed_submission_id: str
    feed_type: str
    feed_processing_status: str
    submitted_date: datetime | None
    started_processing_date: datetime | None = None
    completed_processing_date: datetime | None = None


@dataclass(frozen=True)
class SubmitFeedResult:
    feed_submission_info: FeedSubmissionInfo


@dataclass(frozen=True)
class FeedSubmissionListResult:
    feed_submission_info: tuple[FeedSubmissionInfo, ...]
    has_next: bool | None
    next_token: str | None
    more_results_available: bool | None = None

    def item_keys(self) -> frozenset[str]:
        return frozenset(i.feed_submission_id for i in self.feed_submission_info)

    def excluding(self, seen: Set[str]) -> Self:
        kept = tuple(i for i in self.feed_submission_info if i.feed_submission_id not in seen)
        return dataclasses.replace(self, feed_submission_info=kept)


@dataclass(frozen=True)
class CancelFeedSubmissionsResult:
    count: int
    feed_submission_info: tuple[FeedSubmissionInfo, ...]


# ---- Sellers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Participation:
    marketplace_id: str
    seller_id: str
    has_seller_suspended_listings: bool


@dataclass(frozen=True)
class MarketplaceInfo:
    marketplace_id: str
    name: str | None
    default_country_code: str | None
    default_currency_code: str | None
    default_language_code: str | None
    domain_name: str | None


@dataclass(frozen=True)
class ListMarketplaceParticipationsResult:
    participations: tuple[Participation, ...]
    marketplaces: tuple[MarketplaceInfo, ...]
    next_token: str | None
    # This operation pages on NextToken alone; HasNext is never sent.
    has_next: bool | None = None
    more_results_available: bool | None = None

    def item_keys(self) -> frozenset[str]:
        return frozenset(
            [f"participation:{p.marketplace_id}" for p in self.participations]
            + [f"marketplace:{m.marketplace_id}" for m in self.marketplaces]
        )

    def excluding(self, seen: Set[str]) -> Self:
        return dataclasses.replace(
            self,
            participations=tuple(
                p for p in self.participations if f"participation:{p.marketplace_id}" not in seen
            ),
            marketplaces=tuple(
                m for m in self.marketplaces if f"marketplace:{m.marketplace_id}" not in seen
            ),
        )


@dataclass(frozen=True)
class StatusMessage:
    locale: str | None
    text: str


@dataclass(frozen=True)
class ServiceStatusResult:
    status: str
    timestamp: datetime | None
    message_id: str | None = None
    messages: tuple[StatusMessage, ...] = ()
