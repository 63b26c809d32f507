"""Small hand-made reports for the report data tests, read into rows."""

from __future__ import annotations

from reports import ingest
from reports.models import Report
from tests.factories import ReportFactory

ORDERS = "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_"
SETTLEMENT = "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2_"
INVENTORY = "_GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA_"

ORDERS_HEADER = (
    "amazon-order-id\tpurchase-date\torder-status\tsku\tquantity\tcurrency\titem-price\t"
    "product-name\n"
)


def orders_body(count: int = 12) -> bytes:
    lines = [ORDERS_HEADER]
    for n in range(count):
        day = 1 + n % 3
        status = "Cancelled" if n == count - 1 else "Shipped"
        lines.append(
            f"111-{n:04d}\t2020-05-0{day}T10:00:00+00:00\t{status}\tSKU-{n % 4}\t{1 + n % 2}\t"
            f"USD\t{10 + n}.25\tWidget {n % 4}\n"
        )
    return "".join(lines).encode()


def settlement_body(
    settlement_id: str = "1001", total: str = "73.00", start: str = "2020-05-01", end="2020-05-15"
) -> bytes:
    head = (
        "settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\t"
        "currency\ttransaction-type\torder-id\tamount-type\tamount-description\tamount\tsku\n"
    )
    rows = [
        f"{settlement_id}\t{start}T00:00:00+00:00\t{end}T00:00:00+00:00\t{end}T12:00:00+00:00\t"
        f"{total}\tUSD\t\t\t\t\t\t\n",
        f"{settlement_id}\t\t\t\t\t\tOrder\t111-0001\tItemPrice\tPrincipal\t100.00\tSKU-1\n",
        f"{settlement_id}\t\t\t\t\t\tOrder\t111-0001\tItemFees\tCommission\t-15.00\tSKU-1\n",
        f"{settlement_id}\t\t\t\t\t\tOrder\t111-0001\tItemFees\tFBAPerUnitFulfillmentFee\t-2.00\t"
        "SKU-1\n",
        f"{settlement_id}\t\t\t\t\t\tRefund\t111-0002\tItemPrice\tPrincipal\t-10.00\tSKU-2\n",
    ]
    return (head + "".join(rows)).encode()


def inventory_body() -> bytes:
    return (
        b"sku\tfnsku\tasin\tproduct-name\tcondition\tafn-fulfillable-quantity\t"
        b"afn-unsellable-quantity\tafn-reserved-quantity\tafn-inbound-working-quantity\t"
        b"afn-inbound-shipped-quantity\tafn-inbound-receiving-quantity\n"
        b"SKU-0\tX0\tB000000000\tWidget 0\tNew\t5\t1\t0\t2\t3\t0\n"
        b"SKU-1\tX1\tB000000001\tWidget 1\tNew\t0\t0\t0\t0\t0\t4\n"
        b"SKU-2\tX2\tB000000002\tWidget 2\tNew\t7\t0\t1\t0\t0\t0\n"
    )


def ingested(report_type: str, body: bytes, **kwargs) -> Report:
    report = ReportFactory(report_type=report_type, body=body, charset="UTF-8", **kwargs)
    data = ingest.ingest_report(report)
    assert data.state == "done", data.error_message
    return report
