"""Feeds help: a sample file per feed type, purge controls, result codes explained, and "fix
and resubmit" from a feed's results."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from feeds.checks import check_feed
from feeds.codes import RESULT_CODES, code_help
from feeds.forms import feed_type_choices
from feeds.models import FeedSubmission
from feeds.samples import NoSample, feed_sample
from mwsclient.endpoints import REGIONS
from mwsclient.operations import FEED_TYPES
from tests.factories import FeedMessageResultFactory, FeedSubmissionFactory, SellerFactory

pytestmark = pytest.mark.django_db
State = FeedSubmission.State
INVENTORY = "_POST_INVENTORY_AVAILABILITY_DATA_"
OFFERED = [value for _category, types in feed_type_choices() for value, _label in types]
FLAT_FEED = b"sku\tprice\tquantity\nOK-1\t1.00\t1\n\nBAD-2\t-1\t1\nOK-3\t3.00\t3\nBAD-4\t4.00\t-4\n"
XML_FEED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<AmazonEnvelope><Header>'
    b"<DocumentVersion>1.01</DocumentVersion><MerchantIdentifier>M</MerchantIdentifier></Header>"
    b"<MessageType>Inventory</MessageType>"
    b"<Message><MessageID>1</MessageID><Inventory><SKU>OK-1</SKU><Quantity>1</Quantity>"
    b"</Inventory></Message>"
    b"<Message><MessageID>2</MessageID><Inventory><SKU>BAD-2</SKU><Quantity>2</Quantity>"
    b"</Inventory></Message></AmazonEnvelope>\n"
)


@pytest.mark.parametrize("region", sorted(REGIONS))
@pytest.mark.parametrize("feed_type", OFFERED)
def test_every_sample_passes_the_portals_checks_for_its_type(feed_type, region):
    from feeds.checks import region_charset

    sample = feed_sample(feed_type, region_charset(region))
    checked = check_feed(io.BytesIO(sample.body), feed_type, region)
    assert checked.messages == 1
    info = FEED_TYPES[feed_type]
    if info.format == "xml":
        assert sample.filename.endswith(".xml")
        assert sample.content_type == "text/xml"
        if info.message_type:
            assert f"<MessageType>{info.message_type}</MessageType>".encode() in sample.body
    else:
        header = sample.body.split(b"\n")[0]
        assert b"\t" in header
        assert sample.filename.endswith(".txt")


def test_binary_and_unknown_types_have_no_sample():
    with pytest.raises(NoSample):
        feed_sample("_UPLOAD_VAT_INVOICE_")
    with pytest.raises(NoSample):
        feed_sample("_NOT_A_FEED_")


def test_sample_download_is_in_the_regions_charset(owner_client, seller):
    url = reverse("feeds:sample", args=[seller.pk, "_POST_FLAT_FILE_LISTINGS_DATA_"])
    response = owner_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/tab-separated-values; charset=iso-8859-1"
    assert "flat-file-listings-template.txt" in response["Content-Disposition"]
    assert response.content.startswith(b"sku\tproduct-id\t")


def test_sample_of_an_unknown_type_is_a_404_naming_it(owner_client, seller):
    response = owner_client.get(reverse("feeds:sample", args=[seller.pk, "_NOPE_"]))
    assert response.status_code == 404


def test_another_tenants_seller_has_no_samples(stranger_client, seller):
    url = reverse("feeds:sample", args=[seller.pk, "_POST_PRODUCT_DATA_"])
    assert stranger_client.get(url).status_code == 404


def test_upload_page_links_samples_and_marks_purge_controls(owner_client, seller):
    page = owner_client.get(reverse("feeds:upload", args=[seller.pk])).content.decode()
    assert reverse("feeds:sample", args=[seller.pk, "_POST_PRODUCT_DATA_"]) in page
    # No type chosen yet: the script hides them; without it they stay usable.
    assert page.count("data-purge-field") == 2
    assert "data-purge-field hidden" not in page
    assert "_POST_FLAT_FILE_INVLOADER_DATA_ _POST_FLAT_FILE_LISTINGS_DATA_" in page


def test_purge_controls_are_hidden_for_a_type_that_takes_none(owner_client, seller):
    url = reverse("feeds:upload", args=[seller.pk])
    response = owner_client.post(url, {"feed_type": INVENTORY})
    page = response.content.decode()
    assert page.count("data-purge-field hidden") == 2
    assert reverse("feeds:sample", args=[seller.pk, INVENTORY]) in page


def test_purge_for_a_type_that_takes_none_is_refused_and_shown(owner_client, seller):
    url = reverse("feeds:upload", args=[seller.pk])
    response = owner_client.post(url, {"feed_type": INVENTORY, "purge_and_replace": "on"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Purge and replace does not apply to Inventory feed." in page
    # The field with the error stays visible, so the seller sees why.
    assert page.count("data-purge-field hidden") == 1


def test_codes_page_explains_the_common_codes_and_any_other(owner_client):
    page = owner_client.get(reverse("feeds:codes")).content.decode()
    for code in RESULT_CODES:
        assert f'id="code-{code}"' in page
    assert 'id="other-codes"' in page
    assert code_help("424242").title == "Other codes"
    assert code_help(" 13013 ").title == "Unknown SKU"


def _failed_feed(seller, body: bytes, filename: str, feed_type: str, failed: list[int]):
    feed = FeedSubmissionFactory(
        seller=seller,
        feed_type=feed_type,
        filename=filename,
        state=State.COMPLETE,
        feed_submission_id="60001",
        marketplace_ids=["A2EUQ1WTGCTBG2"],
        messages_processed=4,
        messages_with_error=len(failed),
        body=body,
    )
    for number in failed:
        FeedMessageResultFactory(submission=feed, message_id=number, code="8105")
    FeedMessageResultFactory(
        submission=feed, message_id=1, code="5000", severity="warning", result_type="Warning"
    )
    return feed


def test_detail_links_each_code_and_offers_fix_and_resubmit(owner_client, seller):
    feed = _failed_feed(seller, FLAT_FEED, "prices.txt", "_POST_FLAT_FILE_LISTINGS_DATA_", [2])
    FeedMessageResultFactory(submission=feed, message_id=4, code="77777")
    page = owner_client.get(reverse("feeds:detail", args=[feed.pk])).content.decode()
    assert f'href="{reverse("feeds:codes")}#code-8105"' in page
    assert f'href="{reverse("feeds:codes")}#other-codes"' in page
    assert reverse("feeds:failed_rows", args=[feed.pk]) in page
    assert f"{reverse('feeds:upload', args=[seller.pk])}?from={feed.pk}" in page


def test_a_feed_without_errors_offers_no_resubmission(owner_client, seller):
    feed = FeedSubmissionFactory(
        seller=seller, state=State.COMPLETE, messages_processed=1, messages_with_error=0
    )
    page = owner_client.get(reverse("feeds:detail", args=[feed.pk])).content.decode()
    assert "Fix and resubmit" not in page


def test_failed_rows_of_a_flat_file_are_the_header_and_the_refused_records(owner_client, seller):
    feed = _failed_feed(seller, FLAT_FEED, "prices.txt", "_POST_FLAT_FILE_LISTINGS_DATA_", [2, 4])
    response = owner_client.get(reverse("feeds:failed_rows", args=[feed.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/tab-separated-values; charset=iso-8859-1"
    assert b"".join(response.streaming_content) == (
        b"sku\tprice\tquantity\nBAD-2\t-1\t1\nBAD-4\t4.00\t-4\n"
    )


def test_failed_rows_of_an_xml_feed_keep_the_envelope(owner_client, seller):
    feed = _failed_feed(seller, XML_FEED, "inventory.xml", INVENTORY, [2])
    response = owner_client.get(reverse("feeds:failed_rows", args=[feed.pk]))
    body = b"".join(response.streaming_content)
    assert b"BAD-2" in body
    assert b"OK-1" not in body
    # The file of failed rows passes the same checks as any upload.
    assert check_feed(io.BytesIO(body), feed.feed_type, "NA").messages == 1


def test_document_level_errors_send_the_seller_to_the_original(owner_client, seller):
    feed = _failed_feed(seller, XML_FEED, "inventory.xml", INVENTORY, [0])
    response = owner_client.get(reverse("feeds:failed_rows", args=[feed.pk]), follow=True)
    assert "No single record failed" in response.content.decode()
    page = owner_client.get(reverse("feeds:detail", args=[feed.pk])).content.decode()
    assert reverse("feeds:failed_rows", args=[feed.pk]) not in page
    assert "Download the original file" in page


def test_resubmit_prefills_type_and_marketplaces_but_never_purge(owner_client, seller):
    feed = _failed_feed(seller, FLAT_FEED, "prices.txt", "_POST_FLAT_FILE_LISTINGS_DATA_", [2])
    feed.purge_and_replace = True
    feed.save()
    url = f"{reverse('feeds:upload', args=[seller.pk])}?from={feed.pk}"
    response = owner_client.get(url)
    form = response.context["form"]
    assert form["feed_type"].value() == "_POST_FLAT_FILE_LISTINGS_DATA_"
    assert form["marketplaces"].value() == ["A2EUQ1WTGCTBG2"]
    assert not form["purge_and_replace"].value()
    page = response.content.decode()
    assert "Resubmitting a corrected file" in page
    # The chosen type takes purge and replace: its controls are shown.
    assert "data-purge-field hidden" not in page


@pytest.mark.parametrize("raw", ["abc", "999999"])
def test_resubmit_of_a_missing_feed_is_a_404(owner_client, seller, raw):
    url = f"{reverse('feeds:upload', args=[seller.pk])}?from={raw}"
    assert owner_client.get(url).status_code == 404


def test_resubmit_of_another_tenants_or_sellers_feed_is_a_404(
    owner_client, stranger_client, seller, owner
):
    feed = _failed_feed(seller, FLAT_FEED, "prices.txt", "_POST_FLAT_FILE_LISTINGS_DATA_", [2])
    other = SellerFactory(owner=owner, seller_id="A1OTHERSELLER1", region="NA")
    assert (
        owner_client.get(f"{reverse('feeds:upload', args=[other.pk])}?from={feed.pk}").status_code
        == 404
    )
    assert (
        stranger_client.get(
            f"{reverse('feeds:upload', args=[seller.pk])}?from={feed.pk}"
        ).status_code
        == 404
    )
    assert stranger_client.get(reverse("feeds:failed_rows", args=[feed.pk])).status_code == 404


def test_failed_rows_of_a_feed_whose_original_is_gone_say_so(owner_client, seller):
    feed = _failed_feed(seller, FLAT_FEED, "prices.txt", "_POST_FLAT_FILE_LISTINGS_DATA_", [2])
    default_storage.delete(feed.file)
    response = owner_client.get(reverse("feeds:failed_rows", args=[feed.pk]))
    assert response.status_code == 404
    assert "original file of this feed is missing" in response.content.decode()
