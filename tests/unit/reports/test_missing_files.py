"""A report whose stored file is gone from storage: a 404 that says so, never a 500."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from rest_framework.test import APIClient

from partners import services as partner_services
from partners.models import Grant, Partner
from tests.factories import ReportFactory, SellerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lost_report(owner):
    report = ReportFactory(seller=SellerFactory(owner=owner), body=b"sku\tasin\n")
    default_storage.delete(report.file)
    return report


@pytest.mark.parametrize("page", ["reports:download", "reports:preview"])
def test_a_lost_report_file_is_a_404_page_that_offers_a_new_download(
    owner_client, lost_report, page
):
    answer = owner_client.get(reverse(page, args=[lost_report.pk]))
    assert answer.status_code == 404
    text = answer.content.decode()
    assert "missing from the portal&#x27;s storage" in text
    assert reverse("reports:retry_download", args=[lost_report.pk]) in text
    lost_report.refresh_from_db()
    assert lost_report.state == "stored", "a read changes nothing"


def test_the_api_download_of_a_lost_report_is_a_json_404(lost_report):
    partner = Partner.objects.create(name="Acme")
    _, key = partner_services.create_api_key(partner, name="tests")
    partner_services.grant_partner(lost_report.seller, partner, scopes=[Grant.Scope.READ_REPORTS])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")

    answer = client.get(
        reverse("api:report_download", args=[lost_report.seller_id, lost_report.pk])
    )

    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/json"
    assert answer.json()["error"]["code"] == "not_found"
    assert "missing from the portal's storage" in answer.json()["error"]["message"]
