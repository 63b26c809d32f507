"""factory-boy factories shared by the suite.

Tokens made here are well-formed but random, so a test never depends on a real value.
"""

from __future__ import annotations

import uuid

import factory
from django.contrib.auth import get_user_model

from sellers.models import Seller, SellerMarketplace

PASSWORD = "correct-horse-battery-staple"


def make_token() -> str:
    return f"amzn.mws.{uuid.uuid4()}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}@example.com")
    email = factory.LazyAttribute(lambda user: user.username)
    password = factory.django.Password(PASSWORD)


class SellerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Seller

    owner = factory.SubFactory(UserFactory)
    seller_id = factory.Sequence(lambda n: f"A{n:013d}")
    region = "NA"
    name = factory.Sequence(lambda n: f"Store {n}")
    auth_token = factory.LazyFunction(make_token)
    status = Seller.Status.ACTIVE


class SellerMarketplaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SellerMarketplace

    seller = factory.SubFactory(SellerFactory)
    marketplace_id = "ATVPDKIKX0DER"
    name = "Amazon.com"
    country_code = "US"
    currency_code = "USD"
    language_code = "en_US"
    domain = "www.amazon.com"
    has_suspended_listings = False


# ---- reports ---------------------------------------------------------------------------------


class ReportRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reports.ReportRequest"

    seller = factory.SubFactory(SellerFactory)
    report_type = "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"
    status = "submitted"
    mws_request_id = factory.Sequence(lambda n: f"{50000000000 + n}")


class ReportFactory(factory.django.DjangoModelFactory):
    """A stored report; pass ``body`` to write its file into storage."""

    class Meta:
        model = "reports.Report"
        skip_postgeneration_save = True

    seller = factory.SubFactory(SellerFactory)
    report_id = factory.Sequence(lambda n: f"{20000000000000 + n}")
    report_type = "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"
    state = "stored"
    content_type = "text/plain"
    charset = "windows-1252"

    @factory.post_generation
    def body(report, create, extracted, **kwargs):
        if extracted is None:
            return
        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage

        extension = "xml" if report.report_type.startswith("_GET_XML") else "txt"
        report.file = default_storage.save(
            f"reports/{report.seller_id}/{report.report_id}.{extension}", ContentFile(extracted)
        )
        report.size = len(extracted)
        report.save()


# ---- feeds ---------------------------------------------------------------------------------


class FeedSubmissionFactory(factory.django.DjangoModelFactory):
    """A feed with its file in storage (``body``, an inventory envelope by default)."""

    class Meta:
        model = "feeds.FeedSubmission"
        skip_postgeneration_save = True

    seller = factory.SubFactory(SellerFactory)
    feed_type = "_POST_INVENTORY_AVAILABILITY_DATA_"
    state = "draft"
    filename = "inventory.xml"
    content_md5 = ""
    size = 0

    @factory.post_generation
    def body(feed, create, extracted, **kwargs):
        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage

        from mwsclient.checksums import content_md5

        data = extracted if extracted is not None else FEED_BODY
        feed.file = default_storage.save(
            f"feeds/{feed.seller_id}/{feed.filename}", ContentFile(data)
        )
        feed.content_md5 = content_md5(data)
        feed.size = len(data)
        feed.save()


FEED_BODY = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<AmazonEnvelope><Header>'
    b"<DocumentVersion>1.01</DocumentVersion><MerchantIdentifier>M</MerchantIdentifier></Header>"
    b"<MessageType>Inventory</MessageType><Message><MessageID>1</MessageID>"
    b"<Inventory><SKU>SKU-1</SKU><Quantity>3</Quantity></Inventory></Message></AmazonEnvelope>\n"
)


class FeedMessageResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "feeds.FeedMessageResult"

    submission = factory.SubFactory(FeedSubmissionFactory)
    message_id = factory.Sequence(lambda n: n + 1)
    sku = factory.Sequence(lambda n: f"SKU-{n}")
    code = "13013"
    result_type = "Error"
    severity = "error"
    description = "The SKU does not match any ASIN."
