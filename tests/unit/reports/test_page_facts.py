"""What the report pages state: a schedule's next run, who made a report, the seller page's
recent reports, snapshots "as of" a time, and what an open request is waiting for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mwsclient.results import ReportInfo
from reports import services
from reports.models import Report, ReportSchedule
from tests.factories import ReportFactory, ReportRequestFactory, SellerFactory

SETTLEMENT = "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_"
OPEN_LISTINGS = "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"
ORDERS = "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_"


@pytest.fixture
def seller(owner):
    return SellerFactory(owner=owner)


def _schedule(seller, scheduled_date: datetime) -> ReportSchedule:
    return ReportSchedule.objects.create(
        seller=seller, report_type=OPEN_LISTINGS, schedule="_1_HOUR_", scheduled_date=scheduled_date
    )


def test_next_run_moves_on_by_the_interval_once_the_scheduled_date_passed(db, seller):
    schedule = _schedule(seller, datetime(2026, 1, 1, 10, 0, tzinfo=UTC))

    assert schedule.next_run(datetime(2026, 1, 1, 9, 30, tzinfo=UTC)) == schedule.scheduled_date
    assert schedule.next_run(datetime(2026, 1, 1, 10, 0, tzinfo=UTC)) == datetime(
        2026, 1, 1, 11, 0, tzinfo=UTC
    )
    assert schedule.next_run(datetime(2026, 1, 1, 13, 20, tzinfo=UTC)) == datetime(
        2026, 1, 1, 14, 0, tzinfo=UTC
    )


def test_schedules_page_shows_the_coming_run_not_the_past_one(db, seller, owner_client):
    past = timezone.now().replace(microsecond=0) - timedelta(hours=2, minutes=30)
    _schedule(seller, past)

    page = owner_client.get(reverse("reports:schedules", args=[seller.pk])).content.decode()

    coming = past + timedelta(hours=3)
    assert f"{coming:%Y-%m-%d %H:%M}" in page
    assert f"{past:%Y-%m-%d %H:%M}" not in page


def _listed(seller, report_type: str, report_id: str) -> Report:
    info = ReportInfo(report_id, report_type, timezone.now(), False)
    services._track_listed_report(seller, info)
    return Report.objects.get(report_id=report_id)


def test_reports_found_without_a_request_say_who_made_them(db, seller, owner_client):
    _schedule(seller, timezone.now())
    scheduled = _listed(seller, OPEN_LISTINGS, "90001")
    settlement = _listed(seller, SETTLEMENT, "90002")
    amazons = _listed(seller, ORDERS, "90003")
    requested = ReportFactory(seller=seller, request=ReportRequestFactory(seller=seller))

    assert [r.origin for r in (scheduled, settlement, amazons, requested)] == [
        "scheduled",
        "settlement",
        "amazon",
        "requested",
    ]
    page = owner_client.get(reverse("reports:seller", args=[seller.pk]) + "?view=reports")
    content = page.content.decode()
    assert "not requested here" not in content
    assert content.count('<span class="badge">scheduled</span>') == 1
    assert content.count('<span class="badge">settlement</span>') == 1
    assert content.count("(made by Amazon)") == 1


def test_a_report_made_by_the_sellers_schedule_request_is_scheduled(db, seller):
    report_request = ReportRequestFactory(seller=seller, scheduled=True)
    report = services._track_report(
        seller,
        report_id="90010",
        report_type=OPEN_LISTINGS,
        available_at=None,
        request=report_request,
    )
    assert report.origin == "scheduled"


def test_the_seller_page_lists_settlement_and_scheduled_reports(db, seller, owner_client):
    _schedule(seller, timezone.now())
    requested = ReportRequestFactory(seller=seller, report_type=ORDERS)
    _listed(seller, SETTLEMENT, "90020")
    _listed(seller, OPEN_LISTINGS, "90021")

    page = owner_client.get(reverse("sellers:dashboard", args=[seller.pk])).content.decode()
    recent = page[page.index("Recent reports") : page.index("Recent feeds")]

    assert "Settlement" in recent
    assert '<span class="badge">settlement</span>' in recent
    assert '<span class="badge">scheduled</span>' in recent
    assert reverse("reports:request", args=[requested.pk]) in recent


def test_recent_reports_of_another_seller_are_not_listed(db, seller, stranger):
    other = SellerFactory(owner=stranger)
    _listed(other, SETTLEMENT, "90030")
    assert services.recent_reports(seller) == []


def test_a_snapshot_is_shown_as_of_its_time_not_as_a_period(db, seller, owner_client):
    moment = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    snapshot = ReportRequestFactory(seller=seller, start_date=moment, end_date=moment)
    period = ReportRequestFactory(
        seller=seller, report_type=ORDERS, start_date=moment - timedelta(days=7), end_date=moment
    )

    detail = owner_client.get(reverse("reports:request", args=[snapshot.pk])).content.decode()
    assert "<dt>As of</dt>" in detail
    assert "<dt>Period</dt>" not in detail
    listing = owner_client.get(reverse("reports:seller", args=[seller.pk])).content.decode()
    assert "as of 2026-03-04 05:06" in listing
    assert "2026-02-25 \u2013 2026-03-04" in listing
    other = owner_client.get(reverse("reports:request", args=[period.pk])).content.decode()
    assert "<dt>Period</dt>" in other
    assert "As of" not in other


def test_an_open_request_says_what_is_happening_and_how_long_it_usually_takes(
    db, seller, owner_client
):
    now = timezone.now()
    for minutes in (2, 3, 4):
        ReportRequestFactory(
            seller=seller,
            status="done",
            submitted_at=now - timedelta(hours=1),
            completed_at=now - timedelta(hours=1) + timedelta(minutes=minutes),
        )
    open_request = ReportRequestFactory(
        seller=seller, status="in_progress", submitted_at=now - timedelta(minutes=1)
    )

    fragment = owner_client.get(reverse("reports:request_status", args=[open_request.pk]))

    text = fragment.content.decode()
    assert "Amazon is preparing the report: about 2 minutes left (usually 3 minutes)." in text


def test_a_request_with_no_history_only_says_what_is_happening(db, seller, owner_client):
    queued = ReportRequestFactory(seller=seller, status="queued", mws_request_id="")
    text = owner_client.get(reverse("reports:request_status", args=[queued.pk])).content.decode()
    assert "Waiting for its turn to go to Amazon." in text
    assert "usually" not in text


def test_list_rows_poll_a_compact_status_without_the_progress_line(db, seller, owner_client):
    open_request = ReportRequestFactory(seller=seller, status="in_progress")
    listing = owner_client.get(reverse("reports:seller", args=[seller.pk])).content.decode()
    url = reverse("reports:request_status", args=[open_request.pk])
    assert f'hx-get="{url}?compact=1"' in listing
    assert "Amazon is preparing the report" not in listing

    compact = owner_client.get(url, {"compact": "1"}).content.decode()
    assert f'hx-get="{url}?compact=1"' in compact
    assert "Amazon is preparing the report" not in compact
    assert "Amazon is preparing the report" in owner_client.get(url).content.decode()
