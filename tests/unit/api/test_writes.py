"""Creating through the API: report requests, feeds (multipart and raw body), errors that name
the field, and ``Idempotency-Key`` retries that never create a second object."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from feeds.models import FeedSubmission
from mwsportal.gateway.models import MWSCall
from partners.models import IdempotentRequest
from partners.tasks import purge_partner_records
from reports.models import ReportRequest, ReportSchedule
from tests.factories import FEED_BODY, ReportRequestFactory, SellerMarketplaceFactory

LISTINGS = "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"
FEED_TYPE = "_POST_INVENTORY_AVAILABILITY_DATA_"


def test_request_report_queues_request_report(api, seller):
    response = api.post(
        f"/api/v1/sellers/{seller.pk}/report-requests/",
        {"report_type": LISTINGS, "marketplace_ids": ["ATVPDKIKX0DER"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    row = ReportRequest.objects.get(pk=response.json()["id"])
    assert row.status == "queued"
    assert MWSCall.objects.filter(seller=seller, operation="RequestReport").count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"report_type": "_NOPE_"}, "report_type"),
        ({"report_type": LISTINGS, "marketplace_ids": ["A1PA6795UKMFR9"]}, "marketplace_ids"),
        ({"report_type": LISTINGS, "start_date": "2999-01-01"}, "start_date"),
        ({"report_type": LISTINGS, "start_date": "yesterday"}, "start_date"),
        ({"report_type": LISTINGS, "report_options": "ShowSalesChannel=true"}, "report_options"),
        ({"report_type": LISTINGS, "report_options": "custom=maybe"}, "report_options"),
    ],
)
def test_invalid_request_names_the_field(api, seller, payload, field):
    response = api.post(f"/api/v1/sellers/{seller.pk}/report-requests/", payload, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["field"] == field
    assert field in error["fields"]
    assert not ReportRequest.objects.exists()


def test_marketplaces_of_different_hosts_are_a_400_naming_the_field(api, seller):
    SellerMarketplaceFactory(seller=seller, marketplace_id="A2EUQ1WTGCTBG2", name="Amazon.ca")
    response = api.post(
        f"/api/v1/sellers/{seller.pk}/report-requests/",
        {"report_type": LISTINGS, "marketplace_ids": ["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"]},
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == "marketplace_ids"
    assert "mws.amazonservices.ca" in error["message"]
    assert not ReportRequest.objects.exists()


def test_a_retried_post_with_the_same_key_creates_one_request(api, seller):
    url = f"/api/v1/sellers/{seller.pk}/report-requests/"
    first = api.post(url, {"report_type": LISTINGS}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post(url, {"report_type": LISTINGS}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replay"] == "true"
    assert ReportRequest.objects.count() == 1
    other = api.post(url, {"report_type": LISTINGS}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert other.json()["id"] != first.json()["id"]
    assert ReportRequest.objects.count() == 2


def test_a_refused_post_can_be_fixed_and_retried_with_its_key(api, seller):
    url = f"/api/v1/sellers/{seller.pk}/report-requests/"
    bad = api.post(url, {"report_type": "_NOPE_"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert bad.status_code == 400
    good = api.post(url, {"report_type": LISTINGS}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert good.status_code == 201


def test_a_key_reused_on_another_route_is_refused(api, seller):
    url = f"/api/v1/sellers/{seller.pk}/report-requests/"
    api.post(url, {"report_type": LISTINGS}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    response = api.post(
        f"/api/v1/sellers/{seller.pk}/schedules/",
        {"report_type": LISTINGS, "schedule": "_1_DAY_"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "Idempotency-Key"


def test_keys_of_two_partners_do_not_collide(api, other_api, seller, stranger_seller):
    for client, target in ((api, seller), (other_api, stranger_seller)):
        response = client.post(
            f"/api/v1/sellers/{target.pk}/report-requests/",
            {"report_type": LISTINGS},
            format="json",
            HTTP_IDEMPOTENCY_KEY="same",
        )
        assert response.status_code == 201
    assert ReportRequest.objects.count() == 2
    assert IdempotentRequest.objects.count() == 2


def test_feed_from_a_multipart_file(api, seller, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/sellers/{seller.pk}/feeds/",
            {
                "feed_type": FEED_TYPE,
                "marketplace_ids": ["ATVPDKIKX0DER"],
                "file": SimpleUploadedFile("inventory.xml", FEED_BODY, "text/xml"),
            },
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="feed-1",
        )
    assert response.status_code == 201, response.content
    feed = FeedSubmission.objects.get(pk=response.json()["id"])
    assert (feed.filename, feed.size, feed.marketplace_ids) == (
        "inventory.xml",
        len(FEED_BODY),
        ["ATVPDKIKX0DER"],
    )
    assert feed.state in ("waiting", "sending")


def test_feed_from_a_raw_body_retried_is_stored_once(api, seller, media):
    url = f"/api/v1/sellers/{seller.pk}/feeds/?feed_type={FEED_TYPE}&filename=inv.xml"
    for _ in range(2):
        response = api.generic(
            "POST", url, FEED_BODY, content_type="text/xml", HTTP_IDEMPOTENCY_KEY="raw-1"
        )
        assert response.status_code == 201, response.content
    feed = FeedSubmission.objects.get()
    assert feed.filename == "inv.xml"
    assert feed.record_count == 1


def test_a_broken_feed_is_refused_on_the_file_field(api, seller, media):
    response = api.generic(
        "POST",
        f"/api/v1/sellers/{seller.pk}/feeds/?feed_type={FEED_TYPE}",
        b"<AmazonEnvelope><unclosed>",
        content_type="text/xml",
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "file"
    assert not FeedSubmission.objects.exists()


def test_a_raw_feed_over_the_limit_is_a_413(api, seller, media, settings):
    settings.FEED_UPLOAD_MAX_BYTES = 100
    response = api.generic(
        "POST",
        f"/api/v1/sellers/{seller.pk}/feeds/?feed_type={FEED_TYPE}",
        FEED_BODY,
        content_type="text/xml",
    )
    assert response.status_code == 413
    assert not FeedSubmission.objects.exists()


def test_feed_without_a_type_names_the_field(api, seller, media):
    response = api.generic(
        "POST", f"/api/v1/sellers/{seller.pk}/feeds/", FEED_BODY, content_type="text/xml"
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "feed_type"


def test_a_retried_schedule_post_asks_amazon_once(api, seller):
    url = f"/api/v1/sellers/{seller.pk}/schedules/"
    body = {"report_type": LISTINGS, "schedule": "_1_DAY_"}
    first = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="sched-1")
    again = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="sched-1")
    assert first.status_code == again.status_code == 202, first.content
    assert again.json() == first.json()
    assert again["Idempotent-Replay"] == "true"
    assert ReportSchedule.objects.filter(seller=seller).count() == 1
    assert MWSCall.objects.filter(seller=seller, operation="ManageReportSchedule").count() == 1


def test_a_retried_multipart_feed_is_stored_once(api, seller, media):
    url = f"/api/v1/sellers/{seller.pk}/feeds/"
    answers = [
        api.post(
            url,
            {
                "feed_type": FEED_TYPE,
                "file": SimpleUploadedFile("inventory.xml", FEED_BODY, "text/xml"),
            },
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="feed-retry",
        )
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[1].json() == answers[0].json()
    assert FeedSubmission.objects.count() == 1


def test_a_retried_cancel_answers_as_the_first_did(api, seller):
    report_request = ReportRequestFactory(seller=seller, status="submitted")
    url = f"/api/v1/sellers/{seller.pk}/report-requests/{report_request.pk}/cancel/"
    first = api.post(url, HTTP_IDEMPOTENCY_KEY="cancel-1")
    assert first.status_code == 202, first.content
    # The request stays submitted until Amazon answers: the key is what keeps the retry from
    # asking Amazon a second time.
    assert api.post(url, HTTP_IDEMPOTENCY_KEY="cancel-1").json() == first.json()
    cancels = MWSCall.objects.filter(seller=seller, operation="CancelReportRequests")
    assert cancels.count() == 1


def test_a_retry_while_the_first_request_runs_is_told_to_wait(api, seller, partner):
    url = f"/api/v1/sellers/{seller.pk}/report-requests/"
    IdempotentRequest.objects.create(partner=partner, key="busy", path=url)
    response = api.post(url, {"report_type": LISTINGS}, format="json", HTTP_IDEMPOTENCY_KEY="busy")
    assert response.status_code == 409
    assert response["Retry-After"] == "1"
    assert response.json()["error"]["code"] == "idempotency_key_in_use"
    assert not ReportRequest.objects.exists()


def test_a_key_past_its_lifetime_starts_a_new_request(api, seller):
    url = f"/api/v1/sellers/{seller.pk}/report-requests/"
    first = api.post(url, {"report_type": LISTINGS}, format="json", HTTP_IDEMPOTENCY_KEY="old")
    IdempotentRequest.objects.update(created_at=timezone.now() - timedelta(hours=25))
    again = api.post(url, {"report_type": LISTINGS}, format="json", HTTP_IDEMPOTENCY_KEY="old")
    assert again.status_code == 201
    assert again.json()["id"] != first.json()["id"]
    assert IdempotentRequest.objects.get().body["id"] == again.json()["id"]


def test_a_key_whose_first_request_died_is_taken_over(api, seller, partner):
    url = f"/api/v1/sellers/{seller.pk}/report-requests/"
    IdempotentRequest.objects.create(partner=partner, key="died", path=url)
    IdempotentRequest.objects.update(created_at=timezone.now() - timedelta(minutes=11))
    response = api.post(url, {"report_type": LISTINGS}, format="json", HTTP_IDEMPOTENCY_KEY="died")
    assert response.status_code == 201
    assert ReportRequest.objects.count() == 1


def test_the_daily_purge_forgets_only_spent_keys(partner):
    now = timezone.now()
    for key, age, status in [
        ("answered-recently", timedelta(hours=23), 201),
        ("running", timedelta(minutes=1), None),
        ("answered-long-ago", timedelta(hours=25), 201),
        ("died", timedelta(minutes=11), None),
    ]:
        row = IdempotentRequest.objects.create(partner=partner, key=key, path="/", status=status)
        IdempotentRequest.objects.filter(pk=row.pk).update(created_at=now - age)
    assert purge_partner_records() == 2
    assert set(IdempotentRequest.objects.values_list("key", flat=True)) == {
        "answered-recently",
        "running",
    }
    assert purge_partner_records() == 0


def test_a_utf8_flat_feed_is_converted_only_when_asked(api, seller, media):
    body = "sku\tprice\tquantity\nCRÈME-1\t\t4\n".encode()
    feed_type = "_POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA_"
    url = f"/api/v1/sellers/{seller.pk}/feeds/?feed_type={feed_type}"
    refused = api.generic("POST", url, body, content_type="text/tab-separated-values")
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["field"] == "file"
    assert "The file is UTF-8 text" in error["message"]
    assert "line 2, column 3" in error["message"]
    assert not FeedSubmission.objects.exists()

    converted = api.generic(
        "POST", f"{url}&convert_charset=true", body, content_type="text/tab-separated-values"
    )
    assert converted.status_code == 201, converted.content
    feed = FeedSubmission.objects.get()
    with default_storage.open(feed.file, "rb") as stored:
        assert stored.read() == body.decode().encode("iso-8859-1")


def test_a_multipart_flat_feed_with_a_character_latin_1_lacks_is_refused(api, seller, media):
    response = api.post(
        f"/api/v1/sellers/{seller.pk}/feeds/",
        {
            "feed_type": "_POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA_",
            "convert_charset": "true",
            "file": SimpleUploadedFile("pq.txt", "sku\tquantity\nKEH-Ω\t1\n".encode()),
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert "U+03A9" in response.json()["error"]["message"]
    assert not FeedSubmission.objects.exists()
