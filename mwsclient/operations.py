"""The one catalog of MWS operations this product uses, and the enumerations they take.

Everything a caller needs to know about an operation is data here: section, version, path, the
account parameter, whether it returns XML, takes an upload or returns a download, its
parameters (type, required, list encoding, limits, enumeration), its throttle group and how it
pages. The client, the MWS reference page (/gateway/operations/, the sandbox's documentation of
its operations) and the UI's choice lists read this module;
nothing else restates these facts. Sources are the tags of ``mws-reference.md``.

Choices made where sources differ (reference section 1.1 and 1.3):

- Path: Reports and Feeds are sent to ``/Reports/2009-01-01`` and ``/Feeds/2009-01-01``, the
  paths of the documentation's examples and of real 2018-2020 traffic; the official libraries'
  ``/`` is equally accepted by MWS. Sellers only answers on ``/Sellers/2011-07-01``.
- Account parameter: Reports and Feeds send ``Merchant``, as the official Java/PHP libraries,
  boto and python-amazon-mws do (``SellerId`` was accepted too); Sellers sends ``SellerId``.
- Throttling: each operation has its own bucket except where MWS shares one
  (ListMarketplaceParticipations with its ByNextToken twin). Hourly quotas are the single
  marketplace numbers; MWS multiplies them for EU accounts selling in several marketplaces,
  so the ``x-mws-quota-max`` header of a response is authoritative for that seller.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property, partial
from types import MappingProxyType
from typing import Any, Literal, get_args

from mwsclient import xmlparse
from mwsclient.endpoints import MARKETPLACES
from mwsclient.xmlparse import Node

Section = Literal["Reports", "Feeds", "Sellers"]
Kind = Literal["xml", "upload", "download"]
AccountParam = Literal["Merchant", "SellerId"]
# The guide's three ways of telling that another page exists.
PagingStyle = Literal["none", "has_next", "more_results", "next_token"]
ParamType = Literal["string", "integer", "boolean", "datetime", "enum", "list", "options"]
FeedFormat = Literal["xml", "flat_file", "binary"]
ReportFormat = Literal["flat_file", "xml", "json"]

REPORTS_VERSION = "2009-01-01"
FEEDS_VERSION = "2009-01-01"
SELLERS_VERSION = "2011-07-01"

MAX_IDS = 100
# SubmitFeed bodies must stay under 2 GiB (2^31 bytes).
MAX_FEED_BYTES = 2**31 - 1


# ---- Enumerations -------------------------------------------------------------------------


ReportCategory = Literal[
    "Listings",
    "Orders",
    "Order tracking",
    "Pending orders",
    "Returns",
    "Performance",
    "Settlement",
    "FBA sales",
    "FBA inventory",
    "FBA payments",
    "FBA concessions",
    "FBA removals",
    "Tax and VAT",
    "Browse tree",
    "Easy Ship",
    "Amazon Business",
    "Feed processing",
]
# The order the pickers and the reference page show the categories in.
REPORT_CATEGORIES: tuple[ReportCategory, ...] = get_args(ReportCategory)
FeedCategory = Literal[
    "Products and inventory",
    "Orders",
    "Fulfillment by Amazon",
    "Invoices and documents",
    "Amazon Business",
]
FEED_CATEGORIES: tuple[FeedCategory, ...] = get_args(FeedCategory)
# "boolean": true or false; "text": a value matching the option's pattern.
OptionKind = Literal["boolean", "text"]
# How a report's bytes are encoded: flat files in the charset of the marketplace they are for
# (what GetReport's Content-Type declares, or the marketplace's when it declares none); XML and
# JSON documents in UTF-8, as their declarations say.
ReportCharset = Literal["marketplace", "utf-8"]


@dataclass(frozen=True)
class ReportOption:
    """One ``key=value`` a report type takes in RequestReport's ``ReportOptions``."""

    key: str
    kind: OptionKind
    description: str
    pattern: str = ""
    example: str = ""


@dataclass(frozen=True)
class ReportTypeInfo:
    value: str
    name: str
    description: str
    format: ReportFormat
    category: ReportCategory
    # False for reports Amazon generates on its own cycle (settlements, feed summaries): they
    # appear in GetReportList but RequestReport and ManageReportSchedule do not take them.
    requestable: bool = True
    options: tuple[ReportOption, ...] = ()

    @property
    def charset(self) -> ReportCharset:
        return "marketplace" if self.format == "flat_file" else "utf-8"


@dataclass(frozen=True)
class FeedTypeInfo:
    value: str
    name: str
    format: FeedFormat
    category: FeedCategory
    # The AmazonEnvelope MessageType an XML feed of this type carries (amzn-envelope.xsd);
    # None for flat files and binaries, and for XML feeds whose MessageType the schema bundled
    # with the reference does not list.
    message_type: str | None = None
    # PurgeAndReplace only applies to product flat-file feeds (Feeds_SubmitFeed; PAM).
    purge_and_replace: bool = False
    # What the seller sends with it, in a line: the feed picker shows it under the list.
    description: str = ""

    @property
    def content_type(self) -> str:
        """SubmitFeed's Content-Type; a flat file's names the marketplace's charset too."""
        return _FEED_CONTENT_TYPES[self.format]

    @property
    def charset(self) -> ReportCharset | None:
        """Flat files are read in the marketplace's charset, XML as its declaration says;
        binaries have none."""
        if self.format == "flat_file":
            return "marketplace"
        return "utf-8" if self.format == "xml" else None


_FEED_CONTENT_TYPES: Mapping[FeedFormat, str] = MappingProxyType(
    {
        "xml": "text/xml",
        "flat_file": "text/tab-separated-values",
        "binary": "application/octet-stream",
    }
)


@dataclass(frozen=True)
class StatusInfo:
    value: str
    name: str
    description: str
    # No further change will happen: stop polling.
    final: bool


@dataclass(frozen=True)
class ScheduleInfo:
    value: str
    name: str
    # None for _NEVER_, which deletes a schedule.
    interval_seconds: int | None


def _report_types(*items: ReportTypeInfo) -> Mapping[str, ReportTypeInfo]:
    return MappingProxyType({item.value: item for item in items})


# Options of the reports that take them (Reports_ReportType; ReportOptions in RequestReport).
_CUSTOM = ReportOption(
    "custom", "boolean", "true: the columns chosen in Seller Central's custom listings report."
)
_SALES_CHANNEL = ReportOption(
    "ShowSalesChannel", "boolean", "true: adds a sales-channel column to each order."
)
_VAT_INVOICES = (
    ReportOption("pendingInvoices", "boolean", "true: only invoices still to be uploaded."),
    ReportOption("all", "boolean", "true: every invoice of the period."),
)

R = ReportTypeInfo
REPORT_TYPES: Mapping[str, ReportTypeInfo] = _report_types(
    # ---- Listings
    R(
        "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_",
        "Inventory report",
        "SKU, ASIN, price and quantity of every open listing.",
        "flat_file",
        "Listings",
        options=(_CUSTOM,),
    ),
    R(
        "_GET_MERCHANT_LISTINGS_DATA_",
        "Active listings report",
        "Every active listing with all listing columns.",
        "flat_file",
        "Listings",
        options=(_CUSTOM,),
    ),
    R(
        "_GET_MERCHANT_LISTINGS_ALL_DATA_",
        "All listings report",
        "Active and inactive listings, with a status column.",
        "flat_file",
        "Listings",
        options=(_CUSTOM,),
    ),
    R(
        "_GET_MERCHANT_LISTINGS_INACTIVE_DATA_",
        "Inactive listings report",
        "Listings that are not currently offered.",
        "flat_file",
        "Listings",
        options=(_CUSTOM,),
    ),
    R(
        "_GET_MERCHANT_LISTINGS_DATA_BACK_COMPAT_",
        "Open listings report",
        "Active listings in the older, backward-compatible column set.",
        "flat_file",
        "Listings",
    ),
    R(
        "_GET_MERCHANT_LISTINGS_DATA_LITE_",
        "Open listings report lite",
        "Open listings with a reduced set of columns.",
        "flat_file",
        "Listings",
    ),
    R(
        "_GET_MERCHANT_LISTINGS_DATA_LITER_",
        "Open listings report liter",
        "Open listings with the smallest set of columns.",
        "flat_file",
        "Listings",
    ),
    R(
        "_GET_MERCHANT_CANCELLED_LISTINGS_DATA_",
        "Cancelled listings report",
        "Listings that were cancelled.",
        "flat_file",
        "Listings",
    ),
    R(
        "_GET_MERCHANT_LISTINGS_DEFECT_DATA_",
        "Suppressed listings report",
        "Listings suppressed or at risk for missing or wrong listing information.",
        "flat_file",
        "Listings",
    ),
    R(
        "_GET_CONVERGED_FLAT_FILE_SOLD_LISTINGS_DATA_",
        "Sold listings report",
        "Listings that sold, with the order they sold in.",
        "flat_file",
        "Listings",
    ),
    R(
        "_GET_PAN_EU_OFFER_STATUS_",
        "Pan-European eligibility: FBA ASINs",
        "Which Amazon-fulfilled offers can join the Pan-European FBA programme.",
        "flat_file",
        "Listings",
    ),
    R(
        "_GET_MFN_PAN_EU_OFFER_STATUS_",
        "Pan-European eligibility: self-fulfilled ASINs",
        "Which self-fulfilled offers can join the Pan-European FBA programme.",
        "flat_file",
        "Listings",
    ),
    R(
        "_GET_REFERRAL_FEE_PREVIEW_REPORT_",
        "Referral fee preview",
        "The estimated referral fee of every active offer.",
        "flat_file",
        "Listings",
    ),
    # ---- Orders
    R(
        "_GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_",
        "Unshipped orders report",
        "Orders that still need to be shipped.",
        "flat_file",
        "Orders",
        options=(_SALES_CHANNEL,),
    ),
    R(
        "_GET_ORDERS_DATA_",
        "XML order report",
        "Orders in a requested or scheduled period, as XML.",
        "xml",
        "Orders",
    ),
    R(
        "_GET_FLAT_FILE_ORDERS_DATA_",
        "Flat file order report",
        "Orders in a requested or scheduled period, tab-separated.",
        "flat_file",
        "Orders",
        options=(_SALES_CHANNEL,),
    ),
    R(
        "_GET_CONVERGED_FLAT_FILE_ORDER_REPORT_DATA_",
        "Flat file order report (converged)",
        "Orders with their shipping and payment details, for converged sellers.",
        "flat_file",
        "Orders",
        options=(_SALES_CHANNEL,),
    ),
    # ---- Order tracking
    R(
        "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_",
        "All orders by last update",
        "Merchant- and Amazon-fulfilled orders, selected by last-update date.",
        "flat_file",
        "Order tracking",
    ),
    R(
        "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_",
        "All orders by order date",
        "Merchant- and Amazon-fulfilled orders, selected by order date.",
        "flat_file",
        "Order tracking",
    ),
    R(
        "_GET_XML_ALL_ORDERS_DATA_BY_LAST_UPDATE_",
        "All orders by last update (XML)",
        "All orders selected by last-update date, as XML.",
        "xml",
        "Order tracking",
    ),
    R(
        "_GET_XML_ALL_ORDERS_DATA_BY_ORDER_DATE_",
        "All orders by order date (XML)",
        "All orders selected by order date, as XML.",
        "xml",
        "Order tracking",
    ),
    R(
        "_GET_FLAT_FILE_ARCHIVED_ORDERS_DATA_",
        "Archived orders report",
        "Orders older than the other order tracking reports cover, selected by order date.",
        "flat_file",
        "Order tracking",
    ),
    # ---- Pending orders
    R(
        "_GET_FLAT_FILE_PENDING_ORDERS_DATA_",
        "Pending orders report",
        "Orders whose payment Amazon has not yet authorized, tab-separated.",
        "flat_file",
        "Pending orders",
    ),
    R(
        "_GET_PENDING_ORDERS_DATA_",
        "Pending orders report (XML)",
        "Orders whose payment Amazon has not yet authorized, as XML.",
        "xml",
        "Pending orders",
    ),
    R(
        "_GET_CONVERGED_FLAT_FILE_PENDING_ORDERS_DATA_",
        "Pending orders report (converged)",
        "Pending orders for converged sellers, tab-separated.",
        "flat_file",
        "Pending orders",
    ),
    # ---- Returns
    R(
        "_GET_XML_RETURNS_DATA_BY_RETURN_DATE_",
        "Returns by return date (XML)",
        "Return requests with their authorization, label and reason, as XML.",
        "xml",
        "Returns",
    ),
    R(
        "_GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE_",
        "Returns by return date",
        "Return requests with their authorization, label and reason, tab-separated.",
        "flat_file",
        "Returns",
    ),
    R(
        "_GET_XML_MFN_PRIME_RETURNS_REPORT_",
        "Prime returns (XML)",
        "Returns of self-fulfilled Prime orders, as XML.",
        "xml",
        "Returns",
    ),
    R(
        "_GET_CSV_MFN_PRIME_RETURNS_REPORT_",
        "Prime returns",
        "Returns of self-fulfilled Prime orders, comma-separated.",
        "flat_file",
        "Returns",
    ),
    R(
        "_GET_XML_MFN_SKU_RETURN_ATTRIBUTES_REPORT_",
        "Return attributes by SKU (XML)",
        "The return settings of each self-fulfilled SKU, as XML.",
        "xml",
        "Returns",
    ),
    R(
        "_GET_FLAT_FILE_MFN_SKU_RETURN_ATTRIBUTES_REPORT_",
        "Return attributes by SKU",
        "The return settings of each self-fulfilled SKU, tab-separated.",
        "flat_file",
        "Returns",
    ),
    # ---- Performance
    R(
        "_GET_SELLER_FEEDBACK_DATA_",
        "Seller feedback report",
        "Negative and neutral feedback from buyers.",
        "flat_file",
        "Performance",
    ),
    R(
        "_GET_V1_SELLER_PERFORMANCE_REPORT_",
        "Seller performance report",
        "Customer metrics for the seller account, as XML.",
        "xml",
        "Performance",
    ),
    R(
        "_GET_V2_SELLER_PERFORMANCE_REPORT_",
        "Seller performance report (V2)",
        "Account health: defect rates, late shipments and policy violations, as JSON.",
        "json",
        "Performance",
    ),
    # ---- Settlement
    R(
        "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_",
        "Settlement report",
        "Payments, fees and refunds of one settlement period; Amazon generates it.",
        "flat_file",
        "Settlement",
        requestable=False,
    ),
    R(
        "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2_",
        "Settlement report (V2 flat file)",
        "The settlement report with its later column set; Amazon generates it.",
        "flat_file",
        "Settlement",
        requestable=False,
    ),
    R(
        "_GET_V2_SETTLEMENT_REPORT_DATA_XML_",
        "Settlement report (XML)",
        "The settlement report as XML; Amazon generates it.",
        "xml",
        "Settlement",
        requestable=False,
    ),
    # ---- FBA sales
    R(
        "_GET_AMAZON_FULFILLED_SHIPMENTS_DATA_",
        "FBA fulfilled shipments",
        "Shipments Amazon fulfilled for the seller's orders.",
        "flat_file",
        "FBA sales",
    ),
    R(
        "_GET_FBA_FULFILLMENT_CUSTOMER_SHIPMENT_SALES_DATA_",
        "FBA customer shipment sales",
        "Units Amazon shipped to customers, with price and fulfilment centre.",
        "flat_file",
        "FBA sales",
    ),
    R(
        "_GET_FBA_FULFILLMENT_CUSTOMER_SHIPMENT_PROMOTION_DATA_",
        "FBA promotions",
        "Promotions applied to Amazon-fulfilled shipments.",
        "flat_file",
        "FBA sales",
    ),
    R(
        "_GET_FBA_FULFILLMENT_CUSTOMER_TAXES_DATA_",
        "FBA customer taxes",
        "Tax collected on Amazon-fulfilled shipments.",
        "flat_file",
        "FBA sales",
    ),
    # ---- FBA inventory
    R(
        "_GET_AFN_INVENTORY_DATA_",
        "FBA inventory report",
        "Quantity available in Amazon's warehouses per SKU and condition.",
        "flat_file",
        "FBA inventory",
    ),
    R(
        "_GET_AFN_INVENTORY_DATA_BY_COUNTRY_",
        "FBA inventory by country",
        "Quantity available for local fulfilment per SKU and country.",
        "flat_file",
        "FBA inventory",
    ),
    R(
        "_GET_FBA_FULFILLMENT_CURRENT_INVENTORY_DATA_",
        "FBA daily inventory history",
        "Quantity held per SKU, fulfilment centre and day.",
        "flat_file",
        "FBA inventory",
    ),
    R(
        "_GET_FBA_FULFILLMENT_MONTHLY_INVENTORY_DATA_",
        "FBA monthly inventory history",
        "Average and month-end quantity held per SKU and fulfilment centre.",
        "flat_file",
        "FBA inventory",
    ),
    R(
        "_GET_FBA_FULFILLMENT_INVENTORY_RECEIPTS_DATA_",
        "FBA received inventory",
        "Units received at Amazon's fulfilment centres, per shipment.",
        "flat_file",
        "FBA inventory",
    ),
    R(
        "_GET_RESERVED_INVENTORY_DATA_",
        "FBA reserved inventory",
        "Units held for orders, transfers between centres or processing.",
        "flat_file",
        "FBA inventory",
    ),
    R(
        "_GET_FBA_FULFILLMENT_INVENTORY_SUMMARY_DATA_",
        "FBA inventory event detail",
        "Every inventory event: shipments, receipts, returns and adjustments.",
        "flat_file",
        "FBA inventory",
    ),
    R(
        "_GET_FBA_FULFILLMENT_INVENTORY_ADJUSTMENTS_DATA_",
        "FBA inventory adjustments",
        "Corrections of Amazon-fulfilled inventory: damaged, lost, found units.",
        "flat_file",
        "FBA inventory",
    ),
    R(
        "_GET_FBA_FULFILLMENT_INVENTORY_HEALTH_DATA_",
        "FBA inventory health",
        "Inventory age, sell-through and storage cost per SKU.",
        "flat_file",
        "FBA inventory",
    ),
    R(
        "_GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA_",
        "Manage FBA inventory (active)",
        "Active Amazon-fulfilled inventory with its stock states.",
        "flat_file",
        "FBA inventory",
    ),
    R(
        "_GET_FBA_MYI_ALL_INVENTORY_DATA_",
        "Manage FBA inventory (all)",
        "All Amazon-fulfilled inventory, including archived listings.",
        "flat_file",
        "FBA inventory",
    ),
    R(
        "_GET_RESTOCK_INVENTORY_RECOMMENDATIONS_REPORT_",
        "Restock inventory",
        "Recommended reorder quantities and dates per SKU.",
        "flat_file",
        "FBA inventory",
    ),
    R(
        "_GET_FBA_FULFILLMENT_INBOUND_NONCOMPLIANCE_DATA_",
        "FBA inbound performance",
        "Problems Amazon found with inbound shipments.",
        "flat_file",
        "FBA inventory",
    ),
    R(
        "_GET_STRANDED_INVENTORY_UI_DATA_",
        "FBA stranded inventory",
        "Amazon-fulfilled inventory without an active offer.",
        "flat_file",
        "FBA inventory",
    ),
    R(
        "_GET_STRANDED_INVENTORY_LOADER_DATA_",
        "FBA bulk fix stranded inventory",
        "Stranded inventory in the layout of the inventory loader, to relist it.",
        "flat_file",
        "FBA inventory",
    ),
    R(
        "_GET_FBA_INVENTORY_AGED_DATA_",
        "FBA inventory age",
        "Units held per age band, with the storage fee they will incur.",
        "flat_file",
        "FBA inventory",
    ),
    R(
        "_GET_EXCESS_INVENTORY_DATA_",
        "FBA manage excess inventory",
        "SKUs with more stock than their sales need, and what to do about it.",
        "flat_file",
        "FBA inventory",
    ),
    R(
        "_GET_FBA_UNO_INVENTORY_DATA_",
        "FBA Small and Light inventory",
        "Inventory enrolled in the Small and Light programme.",
        "flat_file",
        "FBA inventory",
    ),
    # ---- FBA payments
    R(
        "_GET_FBA_STORAGE_FEE_CHARGES_DATA_",
        "FBA monthly storage fees",
        "Estimated monthly storage fee per SKU and fulfilment centre.",
        "flat_file",
        "FBA payments",
    ),
    R(
        "_GET_FBA_FULFILLMENT_LONGTERM_STORAGE_FEE_CHARGES_DATA_",
        "FBA long-term storage fees",
        "Long-term storage fees charged on units held past the age limit.",
        "flat_file",
        "FBA payments",
    ),
    R(
        "_GET_FBA_ESTIMATED_FBA_FEES_TXT_DATA_",
        "FBA fee preview",
        "Estimated referral and fulfilment fees of every active Amazon-fulfilled SKU.",
        "flat_file",
        "FBA payments",
    ),
    R(
        "_GET_FBA_REIMBURSEMENTS_DATA_",
        "FBA reimbursements",
        "Amounts Amazon paid for lost or damaged units and returns not received.",
        "flat_file",
        "FBA payments",
    ),
    # ---- FBA concessions
    R(
        "_GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA_",
        "FBA customer returns",
        "Items customers returned to Amazon's warehouses.",
        "flat_file",
        "FBA concessions",
    ),
    R(
        "_GET_FBA_FULFILLMENT_CUSTOMER_SHIPMENT_REPLACEMENT_DATA_",
        "FBA replacements",
        "Replacement units Amazon shipped to customers.",
        "flat_file",
        "FBA concessions",
    ),
    R(
        "_GET_PRODUCT_EXCHANGE_DATA_",
        "FBA exchanges",
        "Units Amazon exchanged for customers, with the original order.",
        "flat_file",
        "FBA concessions",
    ),
    # ---- FBA removals
    R(
        "_GET_FBA_RECOMMENDED_REMOVAL_DATA_",
        "FBA recommended removals",
        "Units Amazon recommends removing before long-term storage fees apply.",
        "flat_file",
        "FBA removals",
    ),
    R(
        "_GET_FBA_FULFILLMENT_REMOVAL_ORDER_DETAIL_DATA_",
        "FBA removal order detail",
        "Removal orders with their requested, shipped and disposed quantities.",
        "flat_file",
        "FBA removals",
    ),
    R(
        "_GET_FBA_FULFILLMENT_REMOVAL_SHIPMENT_DETAIL_DATA_",
        "FBA removal shipment detail",
        "Shipments of removal orders, with carrier and tracking number.",
        "flat_file",
        "FBA removals",
    ),
    # ---- Tax and VAT
    R(
        "_GET_FLAT_FILE_SALES_TAX_DATA_",
        "Sales tax report",
        "Sales tax calculated on the seller's orders.",
        "flat_file",
        "Tax and VAT",
    ),
    R(
        "_SC_VAT_TAX_REPORT_",
        "VAT calculation report",
        "VAT calculated on each order, refund and adjustment.",
        "flat_file",
        "Tax and VAT",
    ),
    R(
        "_GET_VAT_TRANSACTION_DATA_",
        "Amazon VAT transactions",
        "Every sale, refund and stock movement with its VAT facts.",
        "flat_file",
        "Tax and VAT",
    ),
    R(
        "_GET_FLAT_FILE_VAT_INVOICE_DATA_REPORT_",
        "VAT invoice data",
        "Orders that need a VAT invoice, with the data to issue it, tab-separated.",
        "flat_file",
        "Tax and VAT",
        options=_VAT_INVOICES,
    ),
    R(
        "_GET_XML_VAT_INVOICE_DATA_REPORT_",
        "VAT invoice data (XML)",
        "Orders that need a VAT invoice, with the data to issue it, as XML.",
        "xml",
        "Tax and VAT",
        options=_VAT_INVOICES,
    ),
    R(
        "_GET_GST_MTR_B2B_CUSTOM_",
        "GST merchant tax report (B2B)",
        "Goods and services tax of business orders in India.",
        "flat_file",
        "Tax and VAT",
    ),
    R(
        "_GET_GST_MTR_B2C_CUSTOM_",
        "GST merchant tax report (B2C)",
        "Goods and services tax of consumer orders in India.",
        "flat_file",
        "Tax and VAT",
    ),
    # ---- Browse tree
    R(
        "_GET_XML_BROWSE_TREE_DATA_",
        "Browse tree report",
        "The marketplace's browse tree (categories and nodes), as XML.",
        "xml",
        "Browse tree",
        options=(
            ReportOption(
                "MarketplaceId",
                "text",
                "The marketplace whose browse tree is wanted.",
                pattern=r"[A-Z0-9]{9,14}",
                example="ATVPDKIKX0DER",
            ),
            ReportOption("RootNodesOnly", "boolean", "true: only the top-level nodes."),
            ReportOption(
                "BrowseNodeId",
                "text",
                "Only the tree under this node.",
                pattern=r"[0-9]{1,20}",
                example="1055398",
            ),
        ),
    ),
    # ---- Easy Ship (India)
    R(
        "_GET_EASYSHIP_DOCUMENTS_",
        "Easy Ship documents",
        "Invoices and shipping labels of Easy Ship orders.",
        "flat_file",
        "Easy Ship",
    ),
    R(
        "_GET_EASYSHIP_PICKEDUP_",
        "Easy Ship picked-up orders",
        "Easy Ship orders the carrier has picked up.",
        "flat_file",
        "Easy Ship",
    ),
    R(
        "_GET_EASYSHIP_WAITING_FOR_PICKUP_",
        "Easy Ship orders waiting for pickup",
        "Easy Ship orders packed and waiting for the carrier.",
        "flat_file",
        "Easy Ship",
    ),
    # ---- Amazon Business
    R(
        "_RFQD_BULK_DOWNLOAD_",
        "Quote requests",
        "Amazon Business customers' requests for quantity quotes.",
        "flat_file",
        "Amazon Business",
    ),
    # ---- Feed processing
    R(
        "FeedSummaryReport",
        "Feed summary",
        "Processing summary of a flat-file feed; listed by GetReportList, never requested.",
        "flat_file",
        "Feed processing",
        requestable=False,
    ),
)
del R

REQUESTABLE_REPORT_TYPES: tuple[str, ...] = tuple(
    value for value, info in REPORT_TYPES.items() if info.requestable
)


# The options each report type takes (Amazon's report type documentation, in the catalog
# above); a report type not listed takes none. Keys are case-sensitive, as MWS reads them.
REPORT_OPTIONS: Mapping[str, tuple[ReportOption, ...]] = MappingProxyType(
    {value: info.options for value, info in REPORT_TYPES.items() if info.options}
)

SCHEDULES: Mapping[str, ScheduleInfo] = MappingProxyType(
    {
        s.value: s
        for s in (
            ScheduleInfo("_15_MINUTES_", "Every 15 minutes", 15 * 60),
            ScheduleInfo("_30_MINUTES_", "Every 30 minutes", 30 * 60),
            ScheduleInfo("_1_HOUR_", "Every hour", 3600),
            ScheduleInfo("_2_HOURS_", "Every 2 hours", 2 * 3600),
            ScheduleInfo("_4_HOURS_", "Every 4 hours", 4 * 3600),
            ScheduleInfo("_8_HOURS_", "Every 8 hours", 8 * 3600),
            ScheduleInfo("_12_HOURS_", "Every 12 hours", 12 * 3600),
            ScheduleInfo("_1_DAY_", "Every day", 86400),
            ScheduleInfo("_2_DAYS_", "Every 2 days", 2 * 86400),
            ScheduleInfo("_72_HOURS_", "Every 3 days", 3 * 86400),
            ScheduleInfo("_1_WEEK_", "Every week", 7 * 86400),
            ScheduleInfo("_14_DAYS_", "Every 14 days", 14 * 86400),
            ScheduleInfo("_15_DAYS_", "Every 15 days", 15 * 86400),
            ScheduleInfo("_30_DAYS_", "Every 30 days", 30 * 86400),
            ScheduleInfo("_NEVER_", "Never (delete the schedule)", None),
        )
    }
)

REPORT_PROCESSING_STATUSES: Mapping[str, StatusInfo] = MappingProxyType(
    {
        s.value: s
        for s in (
            StatusInfo(
                "_SUBMITTED_",
                "Submitted",
                "Amazon received the request; work has not started.",
                False,
            ),
            StatusInfo("_IN_PROGRESS_", "In progress", "Amazon is generating the report.", False),
            StatusInfo("_CANCELLED_", "Cancelled", "The request was cancelled; no report.", True),
            StatusInfo("_DONE_", "Done", "The report is ready to download.", True),
            StatusInfo(
                "_DONE_NO_DATA_", "Done, no data", "Finished, but nothing matched: no report.", True
            ),
        )
    }
)

F = FeedTypeInfo
_PRODUCTS: FeedCategory = "Products and inventory"
_ORDERS: FeedCategory = "Orders"
_FBA: FeedCategory = "Fulfillment by Amazon"
_DOCUMENTS: FeedCategory = "Invoices and documents"
FEED_TYPES: Mapping[str, FeedTypeInfo] = MappingProxyType(
    {
        f.value: f
        for f in (
            F(
                "_POST_PRODUCT_DATA_",
                "Product feed",
                "xml",
                _PRODUCTS,
                "Product",
                description=(
                    "Creates or updates products: titles, brands, bullet points and other "
                    "catalogue details."
                ),
            ),
            F(
                "_POST_INVENTORY_AVAILABILITY_DATA_",
                "Inventory feed",
                "xml",
                _PRODUCTS,
                "Inventory",
                description=(
                    "Sets the quantity you have on hand for each SKU, and how soon you ship it."
                ),
            ),
            F(
                "_POST_PRODUCT_PRICING_DATA_",
                "Pricing feed",
                "xml",
                _PRODUCTS,
                "Price",
                description="Sets the price of each SKU, with sale prices and their dates.",
            ),
            F(
                "_POST_PRODUCT_OVERRIDES_DATA_",
                "Overrides feed",
                "xml",
                _PRODUCTS,
                "Override",
                description="Overrides shipping options and charges for particular SKUs.",
            ),
            F(
                "_POST_PRODUCT_IMAGE_DATA_",
                "Product images feed",
                "xml",
                _PRODUCTS,
                "ProductImage",
                description="Adds or replaces the images of each product, by URL.",
            ),
            F(
                "_POST_PRODUCT_RELATIONSHIP_DATA_",
                "Relationships feed",
                "xml",
                _PRODUCTS,
                "Relationship",
                description="Links products together: variations (sizes, colours) and accessories.",
            ),
            F(
                "_POST_FLAT_FILE_INVLOADER_DATA_",
                "Flat file inventory loader",
                "flat_file",
                _PRODUCTS,
                purge_and_replace=True,
                description=(
                    "A spreadsheet of offers on existing products: price, quantity and condition "
                    "per SKU."
                ),
            ),
            F(
                "_POST_FLAT_FILE_LISTINGS_DATA_",
                "Flat file listings",
                "flat_file",
                _PRODUCTS,
                purge_and_replace=True,
                description=(
                    "A spreadsheet that creates products and offers in one go, from a category "
                    "template."
                ),
            ),
            F(
                "_POST_FLAT_FILE_BOOKLOADER_DATA_",
                "Flat file book loader",
                "flat_file",
                _PRODUCTS,
                description="A spreadsheet of book offers by ISBN: price, condition and quantity.",
            ),
            F(
                "_POST_FLAT_FILE_CONVERGENCE_LISTINGS_DATA_",
                "Flat file converged listings",
                "flat_file",
                _PRODUCTS,
                description=(
                    "A spreadsheet that matches your offers to products already in Amazon's "
                    "catalogue."
                ),
            ),
            F(
                "_POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA_",
                "Flat file price and quantity update",
                "flat_file",
                _PRODUCTS,
                description=(
                    "A spreadsheet that changes only the price and quantity of existing SKUs."
                ),
            ),
            F(
                "_POST_UIEE_BOOKLOADER_DATA_",
                "UIEE book loader",
                "flat_file",
                _PRODUCTS,
                description="Book offers in the UIEE format used by book-trade software.",
            ),
            # Automotive fitment in the ACES schema, not an AmazonEnvelope.
            F(
                "_POST_STD_ACES_DATA_",
                "ACES 3.0 automotive fitment",
                "xml",
                _PRODUCTS,
                description=(
                    "Which vehicles your auto parts fit, in the ACES 3.0 industry standard."
                ),
            ),
            F(
                "_POST_ORDER_ACKNOWLEDGEMENT_DATA_",
                "Order acknowledgement",
                "xml",
                _ORDERS,
                "OrderAcknowledgement",
                description="Confirms or cancels orders you received, with your own order ids.",
            ),
            F(
                "_POST_PAYMENT_ADJUSTMENT_DATA_",
                "Order adjustment",
                "xml",
                _ORDERS,
                "OrderAdjustment",
                description="Refunds or adjusts the amount charged for orders or order items.",
            ),
            F(
                "_POST_ORDER_FULFILLMENT_DATA_",
                "Order fulfillment",
                "xml",
                _ORDERS,
                "OrderFulfillment",
                description=(
                    "Tells Amazon which orders you shipped, with carrier and tracking number."
                ),
            ),
            F(
                "_POST_INVOICE_CONFIRMATION_DATA_",
                "Invoice confirmation",
                "xml",
                _ORDERS,
                description="Confirms that you sent the invoice of an order to the buyer.",
            ),
            F(
                "_POST_EXPECTED_SHIP_DATE_SOD_",
                "Expected ship date update",
                "xml",
                _ORDERS,
                description="Changes the date you expect to ship orders that are made to order.",
            ),
            F(
                "_POST_FLAT_FILE_ORDER_ACKNOWLEDGEMENT_DATA_",
                "Flat file order acknowledgement",
                "flat_file",
                _ORDERS,
                description="A spreadsheet that confirms or cancels orders you received.",
            ),
            F(
                "_POST_FLAT_FILE_PAYMENT_ADJUSTMENT_DATA_",
                "Flat file order adjustment",
                "flat_file",
                _ORDERS,
                description="A spreadsheet of refunds and adjustments to orders.",
            ),
            F(
                "_POST_FLAT_FILE_FULFILLMENT_DATA_",
                "Flat file order fulfillment",
                "flat_file",
                _ORDERS,
                description="A spreadsheet of shipped orders, with carrier and tracking number.",
            ),
            F(
                "_POST_EXPECTED_SHIP_DATE_SOD_FLAT_FILE_",
                "Flat file expected ship date update",
                "flat_file",
                _ORDERS,
                description=(
                    "A spreadsheet that changes the expected ship date of made-to-order orders."
                ),
            ),
            F(
                "_POST_FULFILLMENT_ORDER_REQUEST_DATA_",
                "FBA fulfillment order",
                "xml",
                _FBA,
                description=(
                    "Asks Amazon to ship orders from your FBA stock (multi-channel fulfillment)."
                ),
            ),
            F(
                "_POST_FULFILLMENT_ORDER_CANCELLATION_REQUEST_DATA_",
                "FBA fulfillment order cancellation",
                "xml",
                _FBA,
                description="Cancels FBA fulfillment orders that have not shipped yet.",
            ),
            F(
                "_POST_FBA_INBOUND_CARTON_CONTENTS_",
                "FBA inbound carton contents",
                "xml",
                _FBA,
                description="What each carton of a shipment to Amazon's warehouses holds.",
            ),
            F(
                "_POST_FLAT_FILE_FULFILLMENT_ORDER_REQUEST_DATA_",
                "Flat file FBA fulfillment order",
                "flat_file",
                _FBA,
                description="A spreadsheet of orders for Amazon to ship from your FBA stock.",
            ),
            F(
                "_POST_FLAT_FILE_FULFILLMENT_ORDER_CANCELLATION_REQUEST_DATA_",
                "Flat file FBA fulfillment order cancellation",
                "flat_file",
                _FBA,
                description="A spreadsheet that cancels FBA fulfillment orders not shipped yet.",
            ),
            F(
                "_POST_FLAT_FILE_FBA_CREATE_INBOUND_PLAN_",
                "Flat file FBA inbound plan",
                "flat_file",
                _FBA,
                description="A spreadsheet of the stock you plan to send to Amazon's warehouses.",
            ),
            F(
                "_POST_FLAT_FILE_FBA_UPDATE_INBOUND_PLAN_",
                "Flat file FBA inbound plan update",
                "flat_file",
                _FBA,
                description="A spreadsheet that changes a planned shipment to Amazon's warehouses.",
            ),
            F(
                "_POST_FLAT_FILE_FBA_CREATE_REMOVAL_",
                "Flat file FBA removal order",
                "flat_file",
                _FBA,
                description="A spreadsheet asking Amazon to return or dispose of FBA stock.",
            ),
            # A PDF body with its metadata in FeedOptions.
            F(
                "_UPLOAD_VAT_INVOICE_",
                "VAT invoice upload",
                "binary",
                _DOCUMENTS,
                description="A PDF VAT invoice for an order, for the buyer to download.",
            ),
            # Easy Ship (India) documents; takes AmazonOrderId and DocumentType.
            F(
                "_POST_EASYSHIP_DOCUMENTS_",
                "Easy Ship documents",
                "xml",
                _DOCUMENTS,
                description="Asks for the labels and invoices of Easy Ship packages.",
            ),
            F(
                "_RFQ_UPLOAD_FEED_",
                "Quote responses",
                "flat_file",
                "Amazon Business",
                description="Your answers to business buyers' requests for quotes.",
            ),
        )
    }
)
del F

FEED_PROCESSING_STATUSES: Mapping[str, StatusInfo] = MappingProxyType(
    {
        s.value: s
        for s in (
            StatusInfo(
                "_SUBMITTED_",
                "Submitted",
                "Amazon received the feed and has not started on it yet.",
                False,
            ),
            StatusInfo(
                "_IN_PROGRESS_", "In progress", "Amazon is processing the feed's records.", False
            ),
            StatusInfo(
                "_AWAITING_ASYNCHRONOUS_REPLY_",
                "Awaiting reply",
                "Processing waits on information from another system; nothing to do yet.",
                False,
            ),
            StatusInfo(
                "_IN_SAFETY_NET_",
                "Held for confirmation",
                "Held because it looks harmful (for example it would remove all inventory); "
                "confirm or cancel it in Seller Central.",
                False,
            ),
            StatusInfo(
                "_UNCONFIRMED_", "Unconfirmed", "Pending; Amazon has not accepted it yet.", False
            ),
            StatusInfo(
                "_CANCELLED_",
                "Cancelled",
                "Cancelled or aborted by a fatal error; its records were not applied.",
                True,
            ),
            StatusInfo(
                "_DONE_",
                "Done",
                "Processed; the processing report says which records succeeded.",
                True,
            ),
        )
    }
)


# ---- Operations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ThrottleGroup:
    """One leaky bucket: ``quota`` requests at once, one more every ``restore_seconds``, and
    at most ``hourly_quota`` an hour (None where MWS does not state one)."""

    name: str
    quota: int
    restore_seconds: float
    hourly_quota: int | None


@dataclass(frozen=True)
class Param:
    """One request parameter as the caller passes it.

    ``list`` parameters are given as a sequence and go out as ``<name>.<member>.<n>`` with n
    from 1; ``options`` take a string or a mapping (``key=value;key=value``, each key prefixed
    with ``options_prefix``); ``datetime`` takes a timezone-aware datetime and goes out as ISO
    8601 UTC; ``boolean`` goes out as ``true``/``false``.
    """

    name: str
    type: ParamType
    description: str
    required: bool = False
    choices: tuple[str, ...] | None = None
    list_member: str | None = None
    max_items: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    options_prefix: str = ""
    # The name of a datetime parameter this one must not be later than.
    not_after: str | None = None

    def wire_name(self, index: int) -> str:
        """The name of the index-th (1-based) member of a list parameter."""
        return f"{self.list_prefix}{index}"

    @cached_property
    def list_prefix(self) -> str:
        return f"{self.name}.{self.list_member}."

    @cached_property
    def choice_set(self) -> frozenset[str]:
        return frozenset(self.choices or ())


@dataclass(frozen=True)
class Operation:
    name: str
    section: Section
    version: str
    path: str
    account_param: AccountParam
    kind: Kind
    params: tuple[Param, ...]
    throttle: ThrottleGroup
    paging: PagingStyle
    description: str
    # The ByNextToken twin that fetches the next page.
    next_token_operation: str | None = None
    # For a ByNextToken twin: the operation whose NextToken it takes (called again when MWS
    # answers NextTokenCorrupted).
    parent_operation: str | None = None
    # Reads the <OperationResult> element into the operation's typed result (mwsclient.results);
    # None for a download, whose body is the document itself.
    parser: Callable[[Node], Any] | None = None

    def param(self, name: str) -> Param | None:
        return self.params_by_name.get(name)

    # Derived views, computed once per operation: validation runs on every call.
    @cached_property
    def params_by_name(self) -> Mapping[str, Param]:
        return {param.name: param for param in self.params}

    @cached_property
    def required_params(self) -> tuple[tuple[str, str], ...]:
        """(name, the wire name that is present when it was given) of required parameters."""
        return tuple(
            (p.name, p.wire_name(1) if p.list_member else p.name) for p in self.params if p.required
        )

    @cached_property
    def date_ranges(self) -> tuple[tuple[str, str], ...]:
        """(earlier, later) pairs of datetime parameters that must not be reversed."""
        return tuple((p.name, p.not_after) for p in self.params if p.not_after)


def _bucket(name: str, quota: int, restore_seconds: float, hourly: int | None) -> ThrottleGroup:
    return ThrottleGroup(name, quota, restore_seconds, hourly)


def _id_list(name: str, what: str, *, required: bool = False) -> Param:
    return Param(
        name,
        "list",
        f"{what} (at most {MAX_IDS}).",
        required=required,
        list_member="Id",
        max_items=MAX_IDS,
    )


def _enum_list(name: str, member: str, choices: tuple[str, ...], what: str) -> Param:
    return Param(name, "list", what, choices=choices, list_member=member, max_items=len(choices))


def _date(name: str, what: str, *, not_after: str | None = None) -> Param:
    return Param(name, "datetime", what, not_after=not_after)


_MAX_COUNT = Param(
    "MaxCount",
    "integer",
    f"Items per page, 1 to {MAX_IDS} (MWS defaults to 10).",
    min_value=1,
    max_value=MAX_IDS,
)
_NEXT_TOKEN = Param("NextToken", "string", "The token from the previous page.", required=True)
_REPORT_TYPE_LIST = _enum_list(
    "ReportTypeList", "Type", tuple(REPORT_TYPES), "Only these report types."
)
_REPORT_STATUS_LIST = _enum_list(
    "ReportProcessingStatusList",
    "Status",
    tuple(REPORT_PROCESSING_STATUSES),
    "Only requests in these processing statuses.",
)
_REPORT_REQUEST_IDS = _id_list(
    "ReportRequestIdList", "Only these report requests; other filters are then ignored"
)
_REQUESTED_FROM = _date(
    "RequestedFromDate",
    "Requested at or after (MWS defaults to 90 days ago).",
    not_after="RequestedToDate",
)
_REQUESTED_TO = _date("RequestedToDate", "Requested at or before (MWS defaults to now).")
_ACKNOWLEDGED = Param("Acknowledged", "boolean", "Only reports with this acknowledged flag.")
_AVAILABLE_FROM = _date(
    "AvailableFromDate",
    "Available at or after (MWS defaults to 90 days ago).",
    not_after="AvailableToDate",
)
_AVAILABLE_TO = _date("AvailableToDate", "Available at or before (MWS defaults to now).")
_MARKETPLACE_IDS = Param(
    "MarketplaceIdList",
    "list",
    "Marketplaces to cover (defaults to the seller's home marketplace; never sent in JP/CN).",
    list_member="Id",
    # Each id at most once, so the list is never longer than the marketplaces there are.
    max_items=len(MARKETPLACES),
)
_FEED_TYPE_LIST = _enum_list("FeedTypeList", "Type", tuple(FEED_TYPES), "Only these feed types.")
_FEED_STATUS_LIST = _enum_list(
    "FeedProcessingStatusList",
    "Status",
    tuple(FEED_PROCESSING_STATUSES),
    "Only feeds in these processing statuses.",
)
_FEED_IDS = _id_list(
    "FeedSubmissionIdList", "Only these feed submissions; other filters are then ignored"
)
_SUBMITTED_FROM = _date(
    "SubmittedFromDate",
    "Submitted at or after (MWS defaults to 90 days ago).",
    not_after="SubmittedToDate",
)
_SUBMITTED_TO = _date("SubmittedToDate", "Submitted at or before (MWS defaults to now).")


def _operation(
    section: Section,
    version: str,
    account_param: AccountParam,
    name: str,
    params: tuple[Param, ...],
    throttle: ThrottleGroup,
    description: str,
    *,
    kind: Kind = "xml",
    paging: PagingStyle = "none",
    twin: str | None = None,
    parent: str | None = None,
    parser: Callable[[Node], Any] | None = None,
) -> Operation:
    return Operation(
        name=name,
        section=section,
        version=version,
        path=f"/{section}/{version}",
        account_param=account_param,
        kind=kind,
        params=params,
        throttle=throttle,
        paging=paging,
        description=description,
        next_token_operation=twin,
        parent_operation=parent,
        parser=parser,
    )


# One factory per API section: what the section fixes (version, path, account parameter).
_reports = partial(_operation, "Reports", REPORTS_VERSION, "Merchant")
_feeds = partial(_operation, "Feeds", FEEDS_VERSION, "Merchant")
_sellers = partial(_operation, "Sellers", SELLERS_VERSION, "SellerId")


_LIST_MARKETPLACES_BUCKET = _bucket("ListMarketplaceParticipations", 15, 60, None)

_OPERATION_LIST: tuple[Operation, ...] = (
    # ---- Reports (reference section 2) ----
    _reports(
        "RequestReport",
        (
            Param(
                "ReportType",
                "enum",
                "The report to generate.",
                required=True,
                choices=REQUESTABLE_REPORT_TYPES,
            ),
            _date("StartDate", "Start of the covered period.", not_after="EndDate"),
            _date("EndDate", "End of the covered period."),
            Param(
                "ReportOptions",
                "options",
                "Report-specific options, key=value;key=value (e.g. ShowSalesChannel=true).",
            ),
            _MARKETPLACE_IDS,
        ),
        _bucket("RequestReport", 15, 60, 60),
        "Asks Amazon to generate a report; returns the report request.",
        parser=xmlparse.parse_request_report,
    ),
    _reports(
        "GetReportRequestList",
        (
            _REPORT_REQUEST_IDS,
            _REPORT_TYPE_LIST,
            _REPORT_STATUS_LIST,
            _MAX_COUNT,
            _REQUESTED_FROM,
            _REQUESTED_TO,
        ),
        _bucket("GetReportRequestList", 10, 45, 80),
        "Lists report requests of the last 90 days, newest first.",
        paging="has_next",
        twin="GetReportRequestListByNextToken",
        parser=xmlparse.parse_report_request_list,
    ),
    _reports(
        "GetReportRequestListByNextToken",
        (_NEXT_TOKEN,),
        _bucket("GetReportRequestListByNextToken", 30, 2, 1800),
        "The next page of GetReportRequestList.",
        paging="has_next",
        twin="GetReportRequestListByNextToken",
        parent="GetReportRequestList",
        parser=xmlparse.parse_report_request_list,
    ),
    _reports(
        "GetReportRequestCount",
        (_REPORT_TYPE_LIST, _REPORT_STATUS_LIST, _REQUESTED_FROM, _REQUESTED_TO),
        _bucket("GetReportRequestCount", 10, 45, 80),
        "Counts report requests of the last 90 days.",
        parser=xmlparse.parse_count,
    ),
    _reports(
        "CancelReportRequests",
        (
            _REPORT_REQUEST_IDS,
            _REPORT_TYPE_LIST,
            _REPORT_STATUS_LIST,
            _REQUESTED_FROM,
            _REQUESTED_TO,
        ),
        _bucket("CancelReportRequests", 10, 45, 80),
        "Cancels report requests that have not started processing.",
        parser=xmlparse.parse_cancel_report_requests,
    ),
    _reports(
        "GetReportList",
        (
            _MAX_COUNT,
            _REPORT_TYPE_LIST,
            _ACKNOWLEDGED,
            _AVAILABLE_FROM,
            _AVAILABLE_TO,
            _REPORT_REQUEST_IDS,
        ),
        _bucket("GetReportList", 10, 60, 60),
        "Lists reports available for download from the last 90 days, newest first.",
        paging="has_next",
        twin="GetReportListByNextToken",
        parser=xmlparse.parse_report_list,
    ),
    _reports(
        "GetReportListByNextToken",
        (_NEXT_TOKEN,),
        _bucket("GetReportListByNextToken", 30, 2, 1800),
        "The next page of GetReportList.",
        paging="has_next",
        twin="GetReportListByNextToken",
        parent="GetReportList",
        parser=xmlparse.parse_report_list,
    ),
    _reports(
        "GetReportCount",
        (_REPORT_TYPE_LIST, _ACKNOWLEDGED, _AVAILABLE_FROM, _AVAILABLE_TO),
        _bucket("GetReportCount", 10, 45, 80),
        "Counts reports available for download from the last 90 days.",
        parser=xmlparse.parse_count,
    ),
    _reports(
        "GetReport",
        (Param("ReportId", "string", "The report to download.", required=True),),
        _bucket("GetReport", 15, 60, 60),
        "Downloads a report's raw contents, verified against Content-MD5.",
        kind="download",
    ),
    _reports(
        "ManageReportSchedule",
        (
            Param(
                "ReportType",
                "enum",
                "The report to schedule.",
                required=True,
                choices=REQUESTABLE_REPORT_TYPES,
            ),
            Param(
                "Schedule",
                "enum",
                "How often; _NEVER_ deletes the schedule.",
                required=True,
                choices=tuple(SCHEDULES),
            ),
            _date("ScheduleDate", "When the next report is generated."),
        ),
        _bucket("ManageReportSchedule", 10, 45, 80),
        "Creates, changes or deletes the schedule of one report type.",
        parser=xmlparse.parse_manage_report_schedule,
    ),
    _reports(
        "GetReportScheduleList",
        (_REPORT_TYPE_LIST,),
        _bucket("GetReportScheduleList", 10, 45, 80),
        "Lists report schedules (HasNext is always false: at most 100 exist).",
        paging="has_next",
        twin="GetReportScheduleListByNextToken",
        parser=xmlparse.parse_report_schedule_list,
    ),
    _reports(
        "GetReportScheduleListByNextToken",
        (_NEXT_TOKEN,),
        # No source gives its throttling (reference, open question 1) and MWS never returns a
        # token for it; the parent's numbers are the safe assumption.
        _bucket("GetReportScheduleListByNextToken", 10, 45, 80),
        "The next page of GetReportScheduleList (never needed in practice).",
        paging="has_next",
        twin="GetReportScheduleListByNextToken",
        parent="GetReportScheduleList",
        parser=xmlparse.parse_report_schedule_list,
    ),
    _reports(
        "GetReportScheduleCount",
        (_REPORT_TYPE_LIST,),
        _bucket("GetReportScheduleCount", 10, 45, 80),
        "Counts report schedules.",
        parser=xmlparse.parse_count,
    ),
    _reports(
        "UpdateReportAcknowledgements",
        (
            _id_list("ReportIdList", "The reports to mark", required=True),
            Param("Acknowledged", "boolean", "The acknowledged flag to set."),
        ),
        _bucket("UpdateReportAcknowledgements", 10, 45, 80),
        "Marks reports as received, so GetReportList(Acknowledged=false) skips them.",
        parser=xmlparse.parse_update_report_acknowledgements,
    ),
    # ---- Feeds (reference section 3) ----
    _feeds(
        "SubmitFeed",
        (
            Param(
                "FeedType", "enum", "The kind of feed.", required=True, choices=tuple(FEED_TYPES)
            ),
            _MARKETPLACE_IDS,
            Param(
                "PurgeAndReplace",
                "boolean",
                "Replace all existing data (product flat files only; once per 24 hours).",
            ),
            Param(
                "ContentMD5Value",
                "string",
                "base64 MD5 of the feed body (computed by submit_feed).",
                required=True,
            ),
            Param(
                "FeedOptions",
                "options",
                "Metadata for _UPLOAD_VAT_INVOICE_ (metadata:key=value;...).",
                options_prefix="metadata:",
            ),
            Param("AmazonOrderId", "string", "The order (_POST_EASYSHIP_DOCUMENTS_ only)."),
            Param(
                "DocumentType", "string", "The document wanted (_POST_EASYSHIP_DOCUMENTS_ only)."
            ),
        ),
        _bucket("SubmitFeed", 15, 120, 30),
        "Uploads a feed; the body is the feed file, the parameters go in the query string.",
        kind="upload",
        parser=xmlparse.parse_submit_feed,
    ),
    _feeds(
        "GetFeedSubmissionList",
        (
            _FEED_IDS,
            _MAX_COUNT,
            _FEED_TYPE_LIST,
            _FEED_STATUS_LIST,
            _SUBMITTED_FROM,
            _SUBMITTED_TO,
        ),
        _bucket("GetFeedSubmissionList", 10, 45, 80),
        "Lists feed submissions of the last 90 days, newest first.",
        paging="has_next",
        twin="GetFeedSubmissionListByNextToken",
        parser=xmlparse.parse_feed_submission_list,
    ),
    _feeds(
        "GetFeedSubmissionListByNextToken",
        (_NEXT_TOKEN,),
        _bucket("GetFeedSubmissionListByNextToken", 30, 2, 1800),
        "The next page of GetFeedSubmissionList.",
        paging="has_next",
        twin="GetFeedSubmissionListByNextToken",
        parent="GetFeedSubmissionList",
        parser=xmlparse.parse_feed_submission_list,
    ),
    _feeds(
        "GetFeedSubmissionCount",
        (_FEED_TYPE_LIST, _FEED_STATUS_LIST, _SUBMITTED_FROM, _SUBMITTED_TO),
        _bucket("GetFeedSubmissionCount", 10, 45, 80),
        "Counts feed submissions of the last 90 days.",
        parser=xmlparse.parse_count,
    ),
    _feeds(
        "CancelFeedSubmissions",
        (_FEED_IDS, _FEED_TYPE_LIST, _SUBMITTED_FROM, _SUBMITTED_TO),
        _bucket("CancelFeedSubmissions", 10, 45, 80),
        "Cancels feed submissions that have not started processing.",
        parser=xmlparse.parse_cancel_feed_submissions,
    ),
    _feeds(
        "GetFeedSubmissionResult",
        (
            Param(
                "FeedSubmissionId",
                "string",
                "The feed whose processing report to fetch.",
                required=True,
            ),
        ),
        _bucket("GetFeedSubmissionResult", 15, 60, 60),
        "Downloads a feed's processing report, verified against Content-MD5.",
        kind="download",
    ),
    # ---- Sellers (reference section 4) ----
    _sellers(
        "ListMarketplaceParticipations",
        (),
        _LIST_MARKETPLACES_BUCKET,
        "Marketplaces the seller participates in; proves the seller's authorization.",
        paging="next_token",
        twin="ListMarketplaceParticipationsByNextToken",
        parser=xmlparse.parse_list_marketplace_participations,
    ),
    _sellers(
        "ListMarketplaceParticipationsByNextToken",
        (_NEXT_TOKEN,),
        _LIST_MARKETPLACES_BUCKET,
        "The next page of ListMarketplaceParticipations.",
        paging="next_token",
        twin="ListMarketplaceParticipationsByNextToken",
        parent="ListMarketplaceParticipations",
        parser=xmlparse.parse_list_marketplace_participations,
    ),
    _sellers(
        "GetServiceStatus",
        (),
        _bucket("GetServiceStatus", 2, 300, None),
        "Operational status of the Sellers API section (GREEN, GREEN_I, YELLOW, RED).",
        parser=xmlparse.parse_service_status,
    ),
)

OPERATIONS: Mapping[str, Operation] = MappingProxyType({op.name: op for op in _OPERATION_LIST})


def get_operation(name: str) -> Operation:
    try:
        return OPERATIONS[name]
    except KeyError:
        raise KeyError(f"unknown MWS operation {name!r}") from None
