"""The part of the MWS client that the rest of the portal may use, all through the gateway.

Apps and settings import these names from here, never from
``mwsclient`` (an import contract in pyproject.toml holds them to it): the catalog and the
endpoints they describe their choices with, the error classes they tell outcomes apart by, the
result types handlers receive, and the few helpers (checksums, parameter encoding, and the
XML parsing of processing reports) that must behave exactly as the client does. Calls
themselves go out through ``mwsportal.gateway.services``.
"""

from __future__ import annotations

from mwsclient import errors
from mwsclient.checksums import content_md5
from mwsclient.client import has_more
from mwsclient.endpoints import MARKETPLACES, REGIONS, sends_marketplace_id_list
from mwsclient.errors import (
    ChecksumMismatchError,
    FeedChangedError,
    InvalidParameterError,
    InvalidResponseError,
    NotReadyError,
)
from mwsclient.operations import (
    FEED_CATEGORIES,
    FEED_PROCESSING_STATUSES,
    FEED_TYPES,
    MAX_IDS,
    OPERATIONS,
    REPORT_CATEGORIES,
    REPORT_OPTIONS,
    REPORT_PROCESSING_STATUSES,
    REPORT_TYPES,
    REQUESTABLE_REPORT_TYPES,
    SCHEDULES,
    FeedTypeInfo,
    ReportOption,
    StatusInfo,
    get_operation,
)
from mwsclient.params import encode_params
from mwsclient.results import (
    FeedSubmissionInfo,
    FeedSubmissionListResult,
    ListMarketplaceParticipationsResult,
    ReportInfo,
    ReportRequestInfo,
)
from mwsclient.useragent import build_user_agent
from mwsclient.xmlparse import Node, local_name, parse_document

__all__ = [
    "FEED_CATEGORIES",
    "FEED_PROCESSING_STATUSES",
    "FEED_TYPES",
    "MARKETPLACES",
    "MAX_IDS",
    "OPERATIONS",
    "REGIONS",
    "REPORT_CATEGORIES",
    "REPORT_OPTIONS",
    "REPORT_PROCESSING_STATUSES",
    "REPORT_TYPES",
    "REQUESTABLE_REPORT_TYPES",
    "SCHEDULES",
    "ChecksumMismatchError",
    "FeedChangedError",
    "FeedSubmissionInfo",
    "FeedSubmissionListResult",
    "FeedTypeInfo",
    "InvalidParameterError",
    "InvalidResponseError",
    "ListMarketplaceParticipationsResult",
    "Node",
    "NotReadyError",
    "ReportInfo",
    "ReportOption",
    "ReportRequestInfo",
    "StatusInfo",
    "build_user_agent",
    "content_md5",
    "encode_params",
    "errors",
    "get_operation",
    "has_more",
    "local_name",
    "parse_document",
    "sends_marketplace_id_list",
]
