"""Reading stored reports into rows: every family into its table, safe to run twice."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from mwssandbox.catalogue import Catalogue
from mwssandbox.reportgen import build_report
from reports import ingest
from reports.models import (
    GenericRow,
    IngestState,
    InventoryLine,
    ListingLine,
    OrderLine,
    Settlement,
    SettlementLine,
)
from tests.factories import ReportFactory, SellerFactory

pytestmark = pytest.mark.django_db

US = "ATVPDKIKX0DER"
START = datetime(2020, 5, 1, tzinfo=UTC)
END = datetime(2020, 5, 15, tzinfo=UTC)


def sandbox_body(report_type: str, marketplace_id: str = US, **kwargs) -> tuple[bytes, str]:
    generated = build_report(
        report_type,
        catalogue=Catalogue.generate("A1SELLER", marketplace_id, seed=7, size=200),
        marketplace_id=marketplace_id,
        seed=7,
        start_date=kwargs.get("start", START),
        end_date=kwargs.get("end", END),
    )
    return b"".join(generated.chunks()), generated.charset


def stored(report_type: str, body: bytes, charset: str = "", **kwargs):
    return ReportFactory(report_type=report_type, body=body, charset=charset, **kwargs)


def data_lines(body: bytes) -> int:
    return sum(1 for line in body.splitlines()[1:] if line.strip())


@pytest.mark.parametrize(
    ("report_type", "model"),
    [
        ("_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_", OrderLine),
        ("_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_", OrderLine),
        ("_GET_MERCHANT_LISTINGS_ALL_DATA_", ListingLine),
        ("_GET_FLAT_FILE_OPEN_LISTINGS_DATA_", ListingLine),
        ("_GET_AFN_INVENTORY_DATA_", InventoryLine),
        ("_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_", SettlementLine),
        ("_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2_", SettlementLine),
    ],
)
def test_every_data_line_of_a_sandbox_report_becomes_a_row(report_type, model):
    body, charset = sandbox_body(report_type)
    report = stored(report_type, body, charset)
    data = ingest.ingest_report(report)
    assert data.state == IngestState.DONE, data.error_message
    assert data.problem_count == 0, data.problems
    assert data.row_count == data_lines(body) == model.objects.filter(report=report).count()
    assert data.columns == body.splitlines()[0].decode(charset or "utf-8").lstrip("\ufeff").split(
        "\t"
    )


def test_reading_twice_replaces_the_rows_instead_of_adding_to_them():
    body, charset = sandbox_body("_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_")
    report = stored("_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_", body, charset)
    first = ingest.ingest_report(report)
    lines = list(OrderLine.objects.filter(report=report).values_list("line", "amazon_order_id"))
    again = ingest.ingest_report(report, force=True)
    assert again.row_count == first.row_count
    assert (
        list(OrderLine.objects.filter(report=report).values_list("line", "amazon_order_id"))
        == lines
    )


def test_a_report_already_read_is_left_alone_unless_forced():
    body, charset = sandbox_body("_GET_FLAT_FILE_OPEN_LISTINGS_DATA_")
    report = stored("_GET_FLAT_FILE_OPEN_LISTINGS_DATA_", body, charset)
    first = ingest.ingest_report(report)
    ListingLine.objects.filter(report=report).delete()
    assert ingest.ingest_report(report).finished_at == first.finished_at
    assert not ListingLine.objects.filter(report=report).exists()
    assert ingest.ingest_report(report, force=True).row_count == first.row_count


def test_typed_values_land_in_typed_columns():
    body = (
        b"amazon-order-id\tpurchase-date\tsku\tquantity\tcurrency\titem-price\tship-city\n"
        b"111-1\t2020-05-01T10:00:00+00:00\tSKU-1\t2\tUSD\t19.98\tSeattle  \n"
        b"\n"
        b"111-2\t2020-05-02 10:00:00 PST\tSKU-2\t1\tUSD\t5.00\t\n"
    )
    report = stored("_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_", body, "UTF-8")
    data = ingest.ingest_report(report)
    assert data.row_count == 2
    first, second = OrderLine.objects.filter(report=report).order_by("line")
    assert (first.line, first.quantity, first.item_price) == (2, 2, Decimal("19.98"))
    assert first.purchase_date == datetime(2020, 5, 1, 10, tzinfo=UTC)
    assert first.ship_city == "Seattle"
    assert second.line == 4
    assert second.purchase_date == datetime(2020, 5, 2, 18, tzinfo=UTC)
    assert second.seller_id == report.seller_id


def test_bad_rows_are_counted_and_kept_out_and_the_rest_is_read():
    body = (
        b"amazon-order-id\tquantity\titem-price\n111-1\t2\t1.00\n111-2\ttwo\t1.00\n111-3\t1\t2.00\n"
    )
    report = stored("_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_", body, "UTF-8")
    data = ingest.ingest_report(report)
    assert data.state == IngestState.DONE
    assert data.row_count == 2
    assert data.problem_count == 1
    assert data.problems[0]["line"] == 3
    assert "quantity" in data.problems[0]["reason"]


def test_a_settlement_is_summarised_with_its_reconciliation():
    body, charset = sandbox_body("_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2_")
    report = stored("_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2_", body, charset)
    ingest.ingest_report(report)
    settlement = Settlement.objects.get(report=report)
    total = sum(
        (
            a
            for a in SettlementLine.objects.filter(report=report).values_list("amount", flat=True)
            if a is not None
        ),
        Decimal(0),
    )
    assert settlement.computed_total == total
    assert settlement.sales + settlement.fees + settlement.refunds + settlement.other == total
    assert settlement.summary["settlement_id"] == settlement.settlement_id


def test_a_settlement_that_does_not_add_up_is_flagged():
    body = (
        b"settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\t"
        b"currency\ttransaction-type\torder-id\tamount-type\tamount-description\tamount\tsku\n"
        b"123\t2020-05-01T00:00:00+00:00\t2020-05-15T00:00:00+00:00\t2020-05-17T00:00:00+00:00\t"
        b"100.00\tUSD\t\t\t\t\t\t\n"
        b"123\t\t\t\t\t\tOrder\t111-1\tItemPrice\tPrincipal\t50.00\tSKU-1\n"
        b"123\t\t\t\t\t\tOrder\t111-1\tItemFees\tCommission\t-7.50\tSKU-1\n"
        b"123\t\t\t\t\t\tRefund\t111-2\tItemPrice\tPrincipal\t-10.00\tSKU-2\n"
    )
    report = stored("_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2_", body)
    ingest.ingest_report(report)
    settlement = Settlement.objects.get(report=report)
    assert settlement.total_amount == Decimal("100.00")
    assert settlement.computed_total == Decimal("32.50")
    assert not settlement.reconciles
    assert (settlement.sales, settlement.fees, settlement.refunds) == (
        Decimal("50.00"),
        Decimal("-7.50"),
        Decimal("-10.00"),
    )


def test_an_xml_report_without_rows_is_download_only():
    body = b'<?xml version="1.0"?><Result><Node><browseNodeId>1</browseNodeId></Node></Result>'
    report = stored("_GET_XML_BROWSE_TREE_DATA_", body, "UTF-8")
    data = ingest.ingest_report(report)
    assert data.state == IngestState.NOT_TABULAR
    assert data.error_message


def test_other_tab_separated_reports_go_to_the_generic_table():
    body = b"date\tsku\tnote\n2020-05-01\tSKU-1\tfirst\n2020-05-02\tSKU-2\tsecond\n"
    report = stored("_GET_SELLER_FEEDBACK_DATA_", body, "UTF-8")
    data = ingest.ingest_report(report)
    assert data.family == "generic"
    assert list(GenericRow.objects.filter(report=report).values_list("extra", flat=True)) == [
        {"date": "2020-05-01", "sku": "SKU-1", "note": "first"},
        {"date": "2020-05-02", "sku": "SKU-2", "note": "second"},
    ]


def test_a_missing_file_fails_the_reading_with_a_message_for_the_seller(media):
    report = stored("_GET_FLAT_FILE_OPEN_LISTINGS_DATA_", b"sku\tasin\tprice\tquantity\n")
    (media / report.file).unlink()
    data = ingest.ingest_report(report)
    assert data.state == IngestState.FAILED
    assert "download it again" in data.error_message


def test_order_items_seen_in_a_later_report_count_once():
    seller = SellerFactory()
    header = "amazon-order-id\tsku\tquantity\torder-status\n"
    older = stored(
        "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_",
        (header + "111-1\tA\t1\tPending\n111-2\tB\t1\tShipped\n").encode(),
        seller=seller,
    )
    newer = stored(
        "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_",
        (header + "111-1\tA\t1\tShipped\n").encode(),
        seller=seller,
    )
    ingest.ingest_report(newer)
    ingest.ingest_report(older)
    latest = OrderLine.objects.filter(seller=seller, is_latest=True)
    assert sorted(latest.values_list("amazon_order_id", "order_status")) == [
        ("111-1", "Shipped"),
        ("111-2", "Shipped"),
    ]


# ---- tasks, the command, and the download that starts it ---------------------------------------


def test_a_stored_download_marks_its_data_waiting_and_sends_the_task(
    monkeypatch, django_capture_on_commit_callbacks
):
    from reports import services
    from reports.models import ReportData

    sent = []
    monkeypatch.setattr(
        services.current_app, "send_task", lambda name, args: sent.append((name, args))
    )
    body, charset = sandbox_body("_GET_FLAT_FILE_OPEN_LISTINGS_DATA_")
    report = stored("_GET_FLAT_FILE_OPEN_LISTINGS_DATA_", body, charset)
    with django_capture_on_commit_callbacks(execute=True):
        services.queue_ingest(report)
        assert sent == [], "only once the transaction commits"
    assert sent == [("reports.ingest_report", [report.pk])]
    assert ReportData.objects.get(report=report).state == IngestState.WAITING
    assert services.ingest_waiting() == [report.pk]


def test_the_tasks_read_waiting_reports_and_a_second_run_changes_nothing(monkeypatch):
    from reports import tasks
    from reports.models import ReportData

    body, charset = sandbox_body("_GET_FLAT_FILE_OPEN_LISTINGS_DATA_")
    report = stored("_GET_FLAT_FILE_OPEN_LISTINGS_DATA_", body, charset)
    ReportData.objects.create(report=report)
    handed_out = []
    monkeypatch.setattr(tasks.ingest_report, "delay", handed_out.append)
    assert tasks.ingest_waiting() == 1
    assert handed_out == [report.pk]
    tasks.ingest_report(report.pk)
    first = ReportData.objects.get(report=report)
    assert first.state == IngestState.DONE
    tasks.ingest_report(report.pk)
    again = ReportData.objects.get(report=report)
    assert again.finished_at == first.finished_at
    assert ListingLine.objects.filter(report=report).count() == first.row_count
    assert tasks.ingest_waiting() == 0


def test_a_reading_running_elsewhere_is_not_started_twice():
    from django.utils import timezone

    from reports.models import ReportData

    body, charset = sandbox_body("_GET_FLAT_FILE_OPEN_LISTINGS_DATA_")
    report = stored("_GET_FLAT_FILE_OPEN_LISTINGS_DATA_", body, charset)
    ReportData.objects.create(report=report, state=IngestState.RUNNING, started_at=timezone.now())
    data = ingest.ingest_report(report, force=True)
    assert data.state == IngestState.RUNNING
    assert not ListingLine.objects.filter(report=report).exists()


def test_the_command_reads_every_stored_report_never_read():
    from io import StringIO

    from django.core.management import call_command

    body, charset = sandbox_body("_GET_FLAT_FILE_OPEN_LISTINGS_DATA_")
    first = stored("_GET_FLAT_FILE_OPEN_LISTINGS_DATA_", body, charset)
    second = stored(
        "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_",
        *sandbox_body("_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_"),
    )
    out = StringIO()
    call_command("ingest_reports", stdout=out)
    assert "2 read, 0 failed" in out.getvalue()
    assert ListingLine.objects.filter(report=first).exists()
    assert OrderLine.objects.filter(report=second).exists()
    out = StringIO()
    call_command("ingest_reports", stdout=out)
    assert "0 read, 0 failed" in out.getvalue()
    out = StringIO()
    call_command("ingest_reports", "--all", "--report", str(first.pk), stdout=out)
    assert "1 read, 0 failed" in out.getvalue()


def test_a_json_report_is_download_only():
    body = b'{"performanceMetrics": [{"asin": "B000000001", "orderCount": 3}]}'
    report = stored("_GET_V2_SELLER_PERFORMANCE_REPORT_", body, "UTF-8")
    data = ingest.ingest_report(report)
    assert data.state == IngestState.NOT_TABULAR
    assert "JSON" in data.error_message


def test_an_xml_settlement_is_read_with_one_row_number_per_row():
    body, charset = sandbox_body("_GET_V2_SETTLEMENT_REPORT_DATA_XML_")
    report = stored("_GET_V2_SETTLEMENT_REPORT_DATA_XML_", body, charset or "UTF-8")
    data = ingest.ingest_report(report)
    assert data.state == IngestState.DONE, data.error_message
    lines = list(SettlementLine.objects.filter(report=report).values_list("line", flat=True))
    assert lines == list(range(1, len(lines) + 1))
    settlement = Settlement.objects.get(report=report)
    assert settlement.reconciles


def test_reading_reports_has_its_own_queue_and_worker_in_make_run():
    from celery import current_app
    from django.conf import settings

    from mwsportal.management.commands import run_portal
    from reports import tasks

    route = current_app.amqp.router.route({}, tasks.ingest_report.name)
    assert route["queue"].name == settings.INGEST_QUEUE == "ingest"
    argv = run_portal.ingest_worker_argv()
    assert argv[argv.index("--queues") + 1] == "ingest"
    assert settings.INGEST_QUEUE not in run_portal.worker_argv()


def test_order_items_with_purchase_dates_count_once_and_only_within_the_seller():
    seller, other = SellerFactory(), SellerFactory()
    header = "amazon-order-id\tpurchase-date\tsku\tquantity\torder-status\n"
    older = (
        header + "111-1\t2020-05-01T10:00:00+00:00\tA\t1\tPending\n"
        "111-2\t2020-05-09T10:00:00+00:00\tB\t1\tPending\n"
        "111-3\t2020-04-01T10:00:00+00:00\tC\t1\tShipped\n"
    ).encode()
    newer = (
        header + "111-1\t2020-05-01T10:00:00+00:00\tA\t1\tShipped\n"
        "111-2\t2020-05-09T10:00:00+00:00\tB\t1\tShipped\n"
    ).encode()
    for who in (seller, other):
        ingest.ingest_report(
            stored("_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_", older, seller=who)
        )
    ingest.ingest_report(
        stored("_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_", newer, seller=seller)
    )
    latest = OrderLine.objects.filter(seller=seller, is_latest=True)
    assert sorted(latest.values_list("amazon_order_id", "order_status")) == [
        ("111-1", "Shipped"),
        ("111-2", "Shipped"),
        ("111-3", "Shipped"),
    ]
    # The other seller's copy of the same order ids is untouched.
    assert OrderLine.objects.filter(seller=other, is_latest=True).count() == 3
