"""The plain row functions of the list serializers (``write_row``) write what DRF's own
per-field machinery writes, field for field and in the same order, for rows with every value
set and rows with every optional value empty, in UTC and in another time zone. Every list
endpoint with such a function answers exactly what its serializer would."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from feeds.api import FeedSerializer, MessageResultSerializer
from feeds.models import FeedMessageResult, FeedSubmission
from mwsportal.api.base import iso_datetime, represent
from reports.api import ReportRequestSerializer, ReportSerializer, ScheduleSerializer
from reports.models import Report, ReportRequest, ReportSchedule
from tests.factories import (
    FeedMessageResultFactory,
    FeedSubmissionFactory,
    ReportFactory,
    ReportRequestFactory,
)

WRITERS = [
    ReportRequestSerializer,
    ReportSerializer,
    ScheduleSerializer,
    FeedSerializer,
    MessageResultSerializer,
]
# Not a whole hour away from UTC, and with summer time: offsets are written as DRF writes them.
ELSEWHERE = "America/St_Johns"
MOMENT = datetime(2026, 3, 8, 14, 30, 15, 123456, tzinfo=UTC)


def drf(serializer_class: type[serializers.Serializer], instance: Any) -> dict[str, Any]:
    """What DRF's field machinery writes (a new serializer, as ``.data`` builds it)."""
    return serializer_class(instance).data


def full_and_empty_rows(seller: Any) -> dict[type, list[Any]]:
    """For each serializer, rows of its model as they come back from the database: one with
    every optional value set, one with every optional value empty."""
    full_request = ReportRequestFactory(
        seller=seller,
        start_date=MOMENT - timedelta(days=30),
        end_date=MOMENT,
        marketplace_ids=["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"],
        report_options="custom=true",
        mws_status="_DONE_",
        scheduled=True,
        error_message="Nothing is wrong.",
        submitted_at=MOMENT,
        completed_at=MOMENT + timedelta(minutes=3),
        stuck_since=MOMENT + timedelta(hours=1),
    )
    ReportRequestFactory(seller=seller, report_type="_GET_NOT_IN_THE_CATALOG_")
    ReportFactory(
        seller=seller,
        request=full_request,
        available_at=MOMENT,
        size=12345,
        md5="rL0Y20zC+Fzt72VPzMSk2A==",
        acknowledged=True,
        error_message="Retried once.",
        stored_at=MOMENT + timedelta(seconds=5),
        body=b"sku\tquantity\nA\t1\n",
    )
    ReportFactory(seller=seller, state="pending", report_type="_GET_NOT_IN_THE_CATALOG_")
    ReportSchedule.objects.create(
        seller=seller,
        report_type="_GET_FLAT_FILE_OPEN_LISTINGS_DATA_",
        schedule="_1_DAY_",
        scheduled_date=MOMENT,
        pending_schedule="_7_DAYS_",
        error_message="Amazon refused the date.",
    )
    ReportSchedule.objects.create(seller=seller, report_type="_GET_TEST_", schedule="_NEVER_")
    full_feed = FeedSubmissionFactory(
        seller=seller,
        marketplace_ids=["ATVPDKIKX0DER"],
        purge_and_replace=True,
        record_count=3,
        state="complete",
        state_message="Done.",
        feed_submission_id="50001018012",
        processing_status="_DONE_",
        submitted_date=MOMENT,
        started_processing_date=MOMENT + timedelta(minutes=1),
        completed_processing_date=MOMENT + timedelta(minutes=2),
        report_status_code="Complete",
        messages_processed=3,
        messages_successful=2,
        messages_with_error=1,
        messages_with_warning=0,
    )
    FeedSubmissionFactory(seller=seller, feed_type="_POST_NOT_IN_THE_CATALOG_")
    FeedMessageResultFactory(submission=full_feed)
    FeedMessageResultFactory(
        submission=full_feed, message_id=None, sku="", code="", result_type="", description=""
    )
    # Read back, as a list reads its rows (the report with select_related, as the list does).
    return {
        ReportRequestSerializer: list(
            ReportRequest.objects.filter(seller=seller).select_related("report")
        ),
        ReportSerializer: list(Report.objects.filter(seller=seller)),
        ScheduleSerializer: list(ReportSchedule.objects.filter(seller=seller)),
        FeedSerializer: list(FeedSubmission.objects.filter(seller=seller)),
        MessageResultSerializer: list(FeedMessageResult.objects.filter(submission=full_feed)),
    }


@pytest.mark.parametrize("zone", ["UTC", ELSEWHERE])
def test_every_row_function_writes_what_its_serializer_writes(media, seller, zone) -> None:
    rows = full_and_empty_rows(seller)
    assert set(rows) == set(WRITERS)
    with timezone.override(zone):
        for serializer_class, instances in rows.items():
            assert len(instances) >= 2, serializer_class
            for instance in instances:
                expected = drf(serializer_class, instance)
                written = represent(serializer_class, instance)
                assert list(written) == list(expected), serializer_class
                for field, value in expected.items():
                    assert written[field] == value, (serializer_class.__name__, field)
                    assert type(written[field]) is type(value), (serializer_class.__name__, field)
                assert json.dumps(written) == json.dumps(expected)


def test_rows_cover_every_field_of_their_serializer() -> None:
    for serializer_class in WRITERS:
        assert serializer_class.Meta.fields == list(serializer_class().fields), serializer_class


def test_datetimes_are_written_as_drf_writes_them() -> None:
    field = serializers.DateTimeField()
    naive = datetime(2026, 1, 2, 3, 4, 5)
    for zone in ("UTC", ELSEWHERE, "Asia/Kolkata"):
        with timezone.override(zone):
            for value in (MOMENT, MOMENT.replace(microsecond=0), naive, None):
                assert iso_datetime(value) == field.to_representation(value), (zone, value)


@pytest.mark.parametrize(
    ("route", "serializer_class", "model"),
    [
        ("report_requests", ReportRequestSerializer, ReportRequest),
        ("reports", ReportSerializer, Report),
        ("schedules", ScheduleSerializer, ReportSchedule),
        ("feeds", FeedSerializer, FeedSubmission),
    ],
)
def test_every_list_endpoint_answers_what_its_serializer_writes(
    media, api, seller, grant, route, serializer_class, model
) -> None:
    full_and_empty_rows(seller)
    url = reverse(f"api:{route}", kwargs={"seller_pk": seller.pk})
    response = api.get(f"{url}?page_size=100")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    listed = model.objects.in_bulk([row["id"] for row in results])
    assert len(listed) == len(results) >= 2
    for row in results:
        expected = json.loads(json.dumps(drf(serializer_class, listed[row["id"]])))
        assert row == expected


def test_the_feed_result_list_answers_what_its_serializer_writes(media, api, seller, grant) -> None:
    full_and_empty_rows(seller)
    feed = FeedSubmission.objects.get(seller=seller, state="complete")
    url = reverse("api:feed_result", kwargs={"seller_pk": seller.pk, "pk": feed.pk})
    answer = api.get(f"{url}?page_size=100").json()
    assert answer["feed"] == json.loads(json.dumps(drf(FeedSerializer, feed)))
    results = {result.pk: result for result in feed.results.all()}
    assert len(answer["results"]) == len(results) == 2
    for row in answer["results"]:
        assert row == json.loads(json.dumps(drf(MessageResultSerializer, results[row["id"]])))
