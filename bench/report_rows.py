"""Reading report data back at scale: the rows API and the table page over a 10-million-row
report, and the dashboard over a million settlement lines, on PostgreSQL.

A fresh database is migrated and filled with SQL (generate_series): one orders report read
into ROWS order lines, and 40 settlements with SETTLEMENT_LINES lines in all. Requests go
through Django's test client in this process (the whole view, serializer and query path,
without a network hop), each case REPEAT times after a warm-up; the JSON gives p50 and p95 in
milliseconds (a case that takes over a second is timed five times). That the queries of a
page do not grow with its size is a unit test.

Cases: the first page, a page deep in the report (by its cursor), a page sorted by its indexed
column (purchase-date), a filter on one purchase day, and a sort or filter on a column without
an index, which a report this large refuses with a message (reports.rows.SCAN_LIMIT); the
same on the table page; the dashboard.

Usage: python bench/report_rows.py [--rows N] [--settlement-lines N] [--repeat N]
Needs PostgreSQL at DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test); it
creates and drops its own database.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATABASE = "bench_report_rows"
ORDERS = "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_"
SETTLEMENT = "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2_"
SETTLEMENTS = 40
# The orders report's columns and the typed columns they fill.
ORDER_FIELDS = {
    "amazon-order-id": ("amazon_order_id", "text"),
    "purchase-date": ("purchase_date", "datetime"),
    "order-status": ("order_status", "text"),
    "sku": ("sku", "text"),
    "asin": ("asin", "text"),
    "quantity": ("quantity", "int"),
    "currency": ("currency", "text"),
    "item-price": ("item_price", "decimal"),
    "ship-city": ("ship_city", "text"),
}


def database_url(base: str, name: str) -> str:
    return urlunsplit(urlsplit(base)._replace(path=f"/{name}"))


DASHBOARD_ORDER_LINES = 100_000


def orders_report(seller: object, report_id: str, rows: int) -> object:
    from reports.models import IngestState, Report, ReportData

    report = Report.objects.create(
        seller=seller, report_id=report_id, report_type=ORDERS, state="stored", file="o.txt"
    )
    ReportData.objects.create(
        report=report,
        state=IngestState.DONE,
        family="orders",
        columns=list(ORDER_FIELDS),
        column_types={name: kind for name, (_, kind) in ORDER_FIELDS.items()},
        row_count=rows,
    )
    return report


def insert_order_lines(cursor: object, report: object, rows: int) -> None:
    """``rows`` order lines over a year: 5,000 SKUs, one order in 50 cancelled."""
    cursor.execute(
        """
        INSERT INTO reports_orderline (report_id, seller_id, line, is_latest, amazon_order_id,
            merchant_order_id, purchase_date, order_status, fulfillment_channel,
            sales_channel, order_channel, url, ship_service_level, product_name, sku, asin,
            item_status, quantity, currency, item_price, ship_city, ship_state,
            ship_postal_code, ship_country, promotion_ids, is_business_order,
            purchase_order_number, price_designation, is_sold_by_ab)
        SELECT %s, %s, n + 1, true, '111-' || lpad(n::text, 8, '0'), '',
            timestamptz '2020-01-01' + (n %% 360) * interval '1 day'
                + (n %% 86400) * interval '1 second',
            CASE WHEN n %% 50 = 0 THEN 'Cancelled' ELSE 'Shipped' END, 'Amazon',
            'Amazon.com', '', '', 'Standard', 'Widget ' || (n %% 5000), 'SKU-' || (n %% 5000),
            'B0' || lpad((n %% 5000)::text, 8, '0'), 'Shipped', 1 + n %% 3, 'USD',
            (n %% 500) + 0.99, 'Seattle', 'WA', '98101', 'US', '', 'false', '', '', ''
        FROM generate_series(1, %s) AS n
        """,
        [report.pk, report.seller_id, rows],
    )


def fill(rows: int, settlement_lines: int) -> dict[str, object]:
    """A seller with a partner key, one orders report of ``rows`` order lines and the
    settlements, written with SQL (what ingest would have written, without reading files)."""
    from django.db import connection

    from partners import services
    from partners.models import Grant, Partner
    from reports import summaries
    from reports.models import IngestState, Report, ReportData, Settlement
    from sellers.models import Seller
    from tests.factories import UserFactory

    user = UserFactory(username="bench@example.com")
    seller = Seller.objects.create(
        owner=user,
        seller_id="A1BENCH",
        region="NA",
        name="Bench",
        auth_token="amzn.mws.bench",  # noqa: S106 - not a secret
    )
    partner = Partner.objects.create(name="Bench partner")
    _, key = services.create_api_key(partner, name="bench")
    services.grant_partner(seller, partner, scopes=[Grant.Scope.READ_REPORTS])
    report = orders_report(seller, "1", rows)
    # The dashboard's seller: a million settlement lines and a year of orders beside them.
    shop = Seller.objects.create(
        owner=user,
        seller_id="A2BENCH",
        region="NA",
        name="Dashboard",
        auth_token="amzn.mws.bench",  # noqa: S106 - not a secret
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        insert_order_lines(cursor, report, rows)
        insert_order_lines(
            cursor, orders_report(shop, "2", DASHBOARD_ORDER_LINES), DASHBOARD_ORDER_LINES
        )
        per = max(1, settlement_lines // SETTLEMENTS)
        for number in range(SETTLEMENTS):
            settled = Report.objects.create(
                seller=shop,
                report_id=f"9{number:05d}",
                report_type=SETTLEMENT,
                state="stored",
                file=f"settlement-{number}.txt",
            )
            ReportData.objects.create(
                report=settled, state=IngestState.DONE, family="settlement", row_count=per
            )
            start = datetime(2019, 1, 1, tzinfo=UTC) + number * timedelta(days=14)
            Settlement.objects.create(
                seller=shop,
                report=settled,
                settlement_id=f"{number:011d}",
                currency="USD",
                start=start,
                end=start + timedelta(days=14),
                deposit_date=start + timedelta(days=15),
                total_amount=per,
                computed_total=per,
                reconciles=True,
                line_count=per,
                sales=per * 2,
                fees=-per,
                summary={},
            )
            cursor.execute(
                """
                INSERT INTO reports_settlementline (report_id, line, transaction_type, order_id,
                    merchant_order_id, adjustment_id, shipment_id, marketplace_name, category,
                    amount_type, amount_description, amount, fulfillment_id, order_item_code,
                    sku, quantity_purchased)
                SELECT %s, n + 1, 'Order', '111-' || n, '', '', '', 'Amazon.com',
                    CASE WHEN n %% 2 = 0 THEN 'price' ELSE 'fee' END, 'ItemPrice', 'Principal',
                    1.00, 'AFN', '', 'SKU-' || (n %% 5000), 1
                FROM generate_series(1, %s) AS n
                """,
                [settled.pk, per],
            )
        cursor.execute("ANALYZE")
    # What ingest keeps beside the lines: the dashboard's day sums.
    summed = time.perf_counter()
    summaries.refresh_order_days(seller.pk)
    summaries.refresh_order_days(shop.pk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reports_orderday, reports_orderskuday")
    return {
        "seller": seller.pk,
        "report": report.pk,
        "key": key,
        "user": user,
        "dashboard_seller": shop.pk,
        "fill_s": round(time.perf_counter() - started, 1),
        "day_sums_s": round(time.perf_counter() - summed, 1),
    }


def measure(
    client: object, url: str, repeat: int, status: int = 200, **headers: str
) -> dict[str, object]:
    started = time.perf_counter()
    response = client.get(url, **headers)  # warm-up
    assert response.status_code == status, (url, response.status_code, response.content[:300])
    # A case that takes seconds is timed five times: its p95 is then the slowest of five.
    runs = repeat if time.perf_counter() - started < 1 else min(repeat, 5)
    times = []
    # CPU time of this process (Django, the view, psycopg; not the database backend), less
    # sensitive to the machine's other load than wall time.
    cpu_times = []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        client.get(url, **headers)
        times.append((time.perf_counter() - started) * 1000)
        cpu_times.append((time.process_time() - cpu_started) * 1000)
    times.sort()
    cpu_times.sort()
    return {
        "p50_ms": round(times[len(times) // 2], 1),
        "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1),
        "cpu_p50_ms": round(cpu_times[len(cpu_times) // 2], 1),
        "runs": runs,
    }


def run(rows: int, settlement_lines: int, repeat: int) -> dict[str, object]:
    import django

    django.setup()
    from django.core import signals
    from django.core.cache import cache
    from django.db import close_old_connections
    from django.test import Client
    from django.test.utils import setup_test_environment

    from reports.rows import encode_cursor

    setup_test_environment()
    # One connection for the whole run, as a worker with persistent connections keeps it.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    made = fill(rows, settlement_lines)
    seller, report_pk, key = made["seller"], made["report"], made["key"]
    # The cursor of a page half way through the report, as following `next` gets there.
    deep = encode_cursor(None, rows // 2)
    api = f"/api/v1/sellers/{seller}/reports/{report_pk}/rows/"
    page = f"/reports/{report_pk}/rows/"
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {key}"}
    client = Client()
    browser = Client()
    browser.force_login(made["user"])
    day = "f.purchase-date.min=2020-06-01&f.purchase-date.max=2020-06-01T23:59:59"
    # (client, url, headers, expected status): at 10 million rows a sort or filter on a
    # column without an index is refused with a message (400) instead of scanning.
    cases = {
        "api_first_page": (client, f"{api}?page_size=100", auth, 200),
        "api_deep_page": (client, f"{api}?page_size=100&cursor={deep}", auth, 200),
        "api_sorted_by_date": (client, f"{api}?page_size=100&sort=-purchase-date", auth, 200),
        "api_filter_one_day": (client, f"{api}?page_size=100&{day}", auth, 200),
        "api_sort_by_price_refused": (client, f"{api}?sort=-item-price", auth, 400),
        "page_first": (browser, page, {}, 200),
        "page_deep": (browser, f"{page}?cursor={deep}", {}, 200),
        "page_sorted_by_date": (browser, f"{page}?sort=-purchase-date", {}, 200),
        "page_filter_one_day": (browser, f"{page}?{day}", {}, 200),
        "page_filter_sku_refused": (browser, f"{page}?f.sku=SKU-42", {}, 400),
        "dashboard": (
            browser,
            f"/reports/sellers/{made['dashboard_seller']}/dashboard/",
            {},
            200,
        ),
    }
    results: dict[str, object] = {}
    for name, (who, url, headers, status) in cases.items():
        cache.clear()  # the API's rate limit
        results[name] = measure(who, url, repeat, status, **headers)
    return {"fill_s": made["fill_s"], "day_sums_s": made["day_sums_s"], "cases": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--settlement-lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        print(json.dumps(run(options.rows, options.settlement_lines, options.repeat)))
        return
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        admin.execute(f"CREATE DATABASE {DATABASE}")
    try:
        with tempfile.TemporaryDirectory(prefix="bench-rows-") as folder:
            env = {
                **os.environ,
                "DATABASE_URL": database_url(base, DATABASE),
                "MWSPORTAL_DATA_DIR": folder,
                "DJANGO_SETTINGS_MODULE": "mwsportal.settings",
                # Production settings: no debug query log, no debug pages. Throwaway secrets.
                "DEBUG": "false",
                "SECRET_KEY": secrets.token_urlsafe(50),
                "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                "MWS_ACCESS_KEY_ID": "AKIABENCHMARK0000001",
                "MWS_SECRET_KEY": secrets.token_urlsafe(30),
                "MWS_DEVELOPER_ID": "1234-5678-9012",
                "ALLOWED_HOSTS": "testserver",
                "SECURE_SSL_REDIRECT": "false",
                "LOG_LEVEL": "WARNING",
                "API_RATE_LIMIT": "1000000/second",
            }
            manage = [sys.executable, str(ROOT / "manage.py")]
            subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)
            # Pages link their static files through the manifest, as in production.
            subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True)
            child = subprocess.run(
                [sys.executable, __file__, "--child", *sys.argv[1:]],
                env=env,
                check=False,
                capture_output=True,
                text=True,
            )
            if child.returncode:
                sys.exit(f"the measuring process failed:\n{child.stderr[-4000:]}")
            measured = json.loads(child.stdout.strip().splitlines()[-1])
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
    print(
        json.dumps(
            {
                "benchmark": "report_rows",
                "date": datetime.now(UTC).date().isoformat(),
                "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
                f"Python {platform.python_version()}",
                "rows": options.rows,
                "settlement_lines": options.settlement_lines,
                **measured,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
