"""A feed whose stored files are gone from storage: 404s that say so, never a 500."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from rest_framework.test import APIClient

from feeds.models import FeedSubmission
from partners import services as partner_services
from partners.models import Grant, Partner
from tests.factories import FeedSubmissionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def complete_feed(seller):
    feed = FeedSubmissionFactory(
        seller=seller,
        state=FeedSubmission.State.COMPLETE,
        feed_submission_id="60001",
        report_content_type="text/xml",
    )
    feed.report_file = default_storage.save("feeds/r/report.xml", ContentFile(b"<R/>"))
    feed.save()
    return feed


def test_a_lost_original_is_a_404_page_that_says_so(owner_client, complete_feed):
    default_storage.delete(complete_feed.file)
    answer = owner_client.get(reverse("feeds:original", args=[complete_feed.pk]))
    assert answer.status_code == 404
    assert "original file of this feed is missing" in answer.content.decode()
    # The feed's own page still works.
    assert owner_client.get(reverse("feeds:detail", args=[complete_feed.pk])).status_code == 200


def test_a_lost_processing_report_is_a_404_page_that_says_so(owner_client, complete_feed):
    default_storage.delete(complete_feed.report_file)
    answer = owner_client.get(reverse("feeds:report", args=[complete_feed.pk]))
    assert answer.status_code == 404
    assert "processing report of this feed is missing" in answer.content.decode()


def test_a_draft_whose_file_is_lost_still_shows_its_page(owner_client, seller):
    draft = FeedSubmissionFactory(seller=seller, state=FeedSubmission.State.DRAFT)
    default_storage.delete(draft.file)
    answer = owner_client.get(reverse("feeds:detail", args=[draft.pk]))
    assert answer.status_code == 200
    assert "original file of this feed is missing" in answer.content.decode()


def test_the_api_download_of_a_lost_processing_report_is_a_json_404(complete_feed):
    default_storage.delete(complete_feed.report_file)
    partner = Partner.objects.create(name="Acme")
    _, key = partner_services.create_api_key(partner, name="tests")
    partner_services.grant_partner(complete_feed.seller, partner, scopes=[Grant.Scope.SUBMIT_FEEDS])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")

    answer = client.get(
        reverse("api:feed_result_download", args=[complete_feed.seller_id, complete_feed.pk])
    )

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"
    assert "processing report of this feed is missing" in answer.json()["error"]["message"]
