"""The enumerations the sandbox accepts: report and feed types, statuses, schedules.

Report and feed types are the ones the MWS documentation listed (reference sections 2.16, 3.2 and
the Reports/Feeds type enumerations); anything else is ``InvalidReportType`` /
``InvalidFeedType``, as it was on MWS.
"""

from __future__ import annotations

REQUESTABLE_REPORT_TYPES = frozenset(
    {
        # Listings
        "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_",
        "_GET_MERCHANT_LISTINGS_DATA_",
        "_GET_MERCHANT_LISTINGS_ALL_DATA_",
        "_GET_MERCHANT_LISTINGS_INACTIVE_DATA_",
        "_GET_MERCHANT_LISTINGS_DATA_BACK_COMPAT_",
        "_GET_MERCHANT_LISTINGS_DATA_LITE_",
        "_GET_MERCHANT_LISTINGS_DATA_LITER_",
        "_GET_MERCHANT_CANCELLED_LISTINGS_DATA_",
        "_GET_MERCHANT_LISTINGS_DEFECT_DATA_",
        "_GET_CONVERGED_FLAT_FILE_SOLD_LISTINGS_DATA_",
        "_GET_PAN_EU_OFFER_STATUS_",
        "_GET_MFN_PAN_EU_OFFER_STATUS_",
        "_GET_REFERRAL_FEE_PREVIEW_REPORT_",
        # Orders
        "_GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_",
        "_GET_ORDERS_DATA_",
        "_GET_FLAT_FILE_ORDERS_DATA_",
        "_GET_CONVERGED_FLAT_FILE_ORDER_REPORT_DATA_",
        "_GET_FLAT_FILE_PENDING_ORDERS_DATA_",
        "_GET_PENDING_ORDERS_DATA_",
        "_GET_CONVERGED_FLAT_FILE_PENDING_ORDERS_DATA_",
        "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_",
        "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_",
        "_GET_XML_ALL_ORDERS_DATA_BY_LAST_UPDATE_",
        "_GET_XML_ALL_ORDERS_DATA_BY_ORDER_DATE_",
        # Performance
        "_GET_SELLER_FEEDBACK_DATA_",
        "_GET_V1_SELLER_PERFORMANCE_REPORT_",
        "_GET_V2_SELLER_PERFORMANCE_REPORT_",
        # Fulfillment by Amazon
        "_GET_AMAZON_FULFILLED_SHIPMENTS_DATA_",
        "_GET_FBA_FULFILLMENT_CUSTOMER_SHIPMENT_SALES_DATA_",
        "_GET_FBA_FULFILLMENT_CUSTOMER_SHIPMENT_PROMOTION_DATA_",
        "_GET_FBA_FULFILLMENT_CUSTOMER_TAXES_DATA_",
        "_GET_AFN_INVENTORY_DATA_",
        "_GET_AFN_INVENTORY_DATA_BY_COUNTRY_",
        "_GET_FBA_FULFILLMENT_CURRENT_INVENTORY_DATA_",
        "_GET_FBA_FULFILLMENT_MONTHLY_INVENTORY_DATA_",
        "_GET_FBA_FULFILLMENT_INVENTORY_RECEIPTS_DATA_",
        "_GET_RESERVED_INVENTORY_DATA_",
        "_GET_FBA_FULFILLMENT_INVENTORY_SUMMARY_DATA_",
        "_GET_FBA_FULFILLMENT_INVENTORY_ADJUSTMENTS_DATA_",
        "_GET_FBA_FULFILLMENT_INVENTORY_HEALTH_DATA_",
        "_GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA_",
        "_GET_FBA_MYI_ALL_INVENTORY_DATA_",
        "_GET_RESTOCK_INVENTORY_RECOMMENDATIONS_REPORT_",
        "_GET_FBA_FULFILLMENT_INBOUND_NONCOMPLIANCE_DATA_",
        "_GET_STRANDED_INVENTORY_UI_DATA_",
        "_GET_STRANDED_INVENTORY_LOADER_DATA_",
        "_GET_FBA_INVENTORY_AGED_DATA_",
        "_GET_EXCESS_INVENTORY_DATA_",
        "_GET_FBA_STORAGE_FEE_CHARGES_DATA_",
        "_GET_PRODUCT_EXCHANGE_DATA_",
        "_GET_FBA_ESTIMATED_FBA_FEES_TXT_DATA_",
        "_GET_FBA_REIMBURSEMENTS_DATA_",
        "_GET_FBA_FULFILLMENT_LONGTERM_STORAGE_FEE_CHARGES_DATA_",
        "_GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA_",
        "_GET_FBA_FULFILLMENT_CUSTOMER_SHIPMENT_REPLACEMENT_DATA_",
        "_GET_FBA_RECOMMENDED_REMOVAL_DATA_",
        "_GET_FBA_FULFILLMENT_REMOVAL_ORDER_DETAIL_DATA_",
        "_GET_FBA_FULFILLMENT_REMOVAL_SHIPMENT_DETAIL_DATA_",
        "_GET_FBA_UNO_INVENTORY_DATA_",
        # Tax, browse tree, Easy Ship, B2B
        "_GET_FLAT_FILE_SALES_TAX_DATA_",
        "_SC_VAT_TAX_REPORT_",
        "_GET_VAT_TRANSACTION_DATA_",
        "_GET_GST_MTR_B2B_CUSTOM_",
        "_GET_GST_MTR_B2C_CUSTOM_",
        "_GET_XML_BROWSE_TREE_DATA_",
        "_GET_EASYSHIP_DOCUMENTS_",
        "_GET_EASYSHIP_PICKEDUP_",
        "_GET_EASYSHIP_WAITING_FOR_PICKUP_",
        "_RFQD_BULK_DOWNLOAD_",
    }
)

SETTLEMENT_REPORT_TYPE = "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_"
FEED_SUMMARY_REPORT_TYPE = "FeedSummaryReport"

# Amazon generates these on its own cycle; they are listed and downloadable, never requested.
SYSTEM_REPORT_TYPES = frozenset(
    {
        SETTLEMENT_REPORT_TYPE,
        "_GET_V2_SETTLEMENT_REPORT_DATA_XML_",
        "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2_",
        FEED_SUMMARY_REPORT_TYPE,
    }
)
ALL_REPORT_TYPES = REQUESTABLE_REPORT_TYPES | SYSTEM_REPORT_TYPES

FEED_TYPES = frozenset(
    {
        "_POST_PRODUCT_DATA_",
        "_POST_INVENTORY_AVAILABILITY_DATA_",
        "_POST_PRODUCT_OVERRIDES_DATA_",
        "_POST_PRODUCT_PRICING_DATA_",
        "_POST_PRODUCT_IMAGE_DATA_",
        "_POST_PRODUCT_RELATIONSHIP_DATA_",
        "_POST_FLAT_FILE_INVLOADER_DATA_",
        "_POST_FLAT_FILE_LISTINGS_DATA_",
        "_POST_FLAT_FILE_BOOKLOADER_DATA_",
        "_POST_FLAT_FILE_CONVERGENCE_LISTINGS_DATA_",
        "_POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA_",
        "_POST_UIEE_BOOKLOADER_DATA_",
        "_POST_STD_ACES_DATA_",
        "_POST_ORDER_ACKNOWLEDGEMENT_DATA_",
        "_POST_PAYMENT_ADJUSTMENT_DATA_",
        "_POST_ORDER_FULFILLMENT_DATA_",
        "_POST_INVOICE_CONFIRMATION_DATA_",
        "_POST_EXPECTED_SHIP_DATE_SOD_",
        "_POST_FLAT_FILE_ORDER_ACKNOWLEDGEMENT_DATA_",
        "_POST_FLAT_FILE_PAYMENT_ADJUSTMENT_DATA_",
        "_POST_FLAT_FILE_FULFILLMENT_DATA_",
        "_POST_EXPECTED_SHIP_DATE_SOD_FLAT_FILE_",
        "_POST_FULFILLMENT_ORDER_REQUEST_DATA_",
        "_POST_FULFILLMENT_ORDER_CANCELLATION_REQUEST_DATA_",
        "_POST_FBA_INBOUND_CARTON_CONTENTS_",
        "_POST_FLAT_FILE_FULFILLMENT_ORDER_REQUEST_DATA_",
        "_POST_FLAT_FILE_FULFILLMENT_ORDER_CANCELLATION_REQUEST_DATA_",
        "_POST_FLAT_FILE_FBA_CREATE_INBOUND_PLAN_",
        "_POST_FLAT_FILE_FBA_UPDATE_INBOUND_PLAN_",
        "_POST_FLAT_FILE_FBA_CREATE_REMOVAL_",
        "_RFQ_UPLOAD_FEED_",
        "_POST_EASYSHIP_DOCUMENTS_",
        "_UPLOAD_VAT_INVOICE_",
    }
)

REPORT_STATUSES = frozenset(
    {"_SUBMITTED_", "_IN_PROGRESS_", "_CANCELLED_", "_DONE_", "_DONE_NO_DATA_"}
)
FEED_STATUSES = frozenset(
    {
        "_AWAITING_ASYNCHRONOUS_REPLY_",
        "_CANCELLED_",
        "_DONE_",
        "_IN_PROGRESS_",
        "_IN_SAFETY_NET_",
        "_SUBMITTED_",
        "_UNCONFIRMED_",
    }
)

_HOUR = 3600
_DAY = 24 * _HOUR
# Schedule -> seconds between runs; _NEVER_ deletes a schedule (reference section 2.1).
SCHEDULES: dict[str, int | None] = {
    "_15_MINUTES_": 15 * 60,
    "_30_MINUTES_": 30 * 60,
    "_1_HOUR_": _HOUR,
    "_2_HOURS_": 2 * _HOUR,
    "_4_HOURS_": 4 * _HOUR,
    "_8_HOURS_": 8 * _HOUR,
    "_12_HOURS_": 12 * _HOUR,
    "_1_DAY_": _DAY,
    "_2_DAYS_": 2 * _DAY,
    "_72_HOURS_": 3 * _DAY,
    "_1_WEEK_": 7 * _DAY,
    "_14_DAYS_": 14 * _DAY,
    "_15_DAYS_": 15 * _DAY,
    "_30_DAYS_": 30 * _DAY,
    "_NEVER_": None,
}

# When RequestReport names no dates, listings reports (a snapshot) started and ended at the
# submission time, the flat-file order report started one day and the feedback report thirty
# days before it (reference section 2.2). Other reports list events, so they get the order
# report's day rather than an empty window.
_FEEDBACK = "_GET_SELLER_FEEDBACK_DATA_"


def default_start_offset(report_type: str) -> int:
    if report_type == _FEEDBACK:
        return 30 * _DAY
    if "LISTINGS" in report_type or report_type.startswith("_GET_AFN_INVENTORY_DATA"):
        return 0
    return _DAY
