"""The home page's getting-started checklist and the connect wizard's steps."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mwsportal.onboarding import onboarding_checklist
from reports.models import ReportSchedule
from tests.factories import FeedSubmissionFactory, ReportRequestFactory, SellerFactory

pytestmark = pytest.mark.django_db


def _done(user) -> dict[str, bool]:
    return {step.key: step.done for step in onboarding_checklist(user).steps}


def test_a_new_user_starts_at_connecting_and_every_step_leads_there(owner):
    checklist = onboarding_checklist(owner)
    assert _done(owner) == {"connect": False, "report": False, "feed": False, "schedule": False}
    assert checklist.next_step.key == "connect"
    assert {step.url for step in checklist.steps} == {reverse("sellers:connect")}


def test_steps_tick_themselves_from_the_users_data(owner, media):
    seller = SellerFactory(owner=owner)
    checklist = onboarding_checklist(owner)
    assert checklist.next_step.key == "report"
    urls = {step.key: step.url for step in checklist.steps}
    assert urls["report"] == reverse("reports:request_new", args=[seller.pk])
    assert urls["feed"] == reverse("feeds:upload", args=[seller.pk])
    assert urls["schedule"] == reverse("reports:schedules", args=[seller.pk])

    ReportRequestFactory(seller=seller)
    FeedSubmissionFactory(seller=seller)
    assert onboarding_checklist(owner).next_step.key == "schedule"
    ReportSchedule.objects.create(
        seller=seller, report_type="_GET_FLAT_FILE_OPEN_LISTINGS_DATA_", schedule="_1_DAY_"
    )
    assert onboarding_checklist(owner).complete


def test_another_tenants_data_ticks_nothing(owner, stranger, media):
    seller = SellerFactory(owner=stranger)
    ReportRequestFactory(seller=seller)
    FeedSubmissionFactory(seller=seller)
    assert not any(_done(owner).values())
    assert onboarding_checklist(stranger).done_count == 3


def test_home_shows_the_checklist_until_everything_is_done(owner, owner_client, media):
    page = owner_client.get(reverse("home")).content.decode()
    assert "Getting started" in page
    assert "0 of 4 done" in page
    assert 'data-step="connect"' in page
    seller = SellerFactory(owner=owner)
    page = owner_client.get(reverse("home")).content.decode()
    assert "1 of 4 done" in page
    assert f'href="{reverse("reports:request_new", args=[seller.pk])}"' in page
    ReportRequestFactory(seller=seller)
    FeedSubmissionFactory(seller=seller)
    ReportSchedule.objects.create(
        seller=seller, report_type="_GET_FLAT_FILE_OPEN_LISTINGS_DATA_", schedule="_1_DAY_"
    )
    assert "Getting started" not in owner_client.get(reverse("home")).content.decode()


def test_connect_pages_number_the_steps_and_say_where_the_seller_is(owner_client):
    region_page = owner_client.get(reverse("sellers:connect")).content.decode()
    assert 'aria-current="step">1. Choose the region' in region_page
    page = owner_client.get(reverse("sellers:connect_region", args=["NA"])).content.decode()
    assert 'aria-current="step">2. Authorize in Seller Central' in page
    assert "Step 2 · In Seller Central" in page
    assert "Step 3 · Here, in the portal" in page
    assert "What comes next" in page


def test_the_sandbox_note_shows_only_when_seller_central_is_local(owner_client, settings):
    url = reverse("sellers:connect_region", args=["NA"])
    settings.MWS_ENDPOINT = "http://127.0.0.1:8765"
    settings.SELLER_CENTRAL_URL = ""
    assert "Use this login" in owner_client.get(url).content.decode()
    settings.MWS_ENDPOINT = ""
    page = owner_client.get(url).content.decode()
    assert "Use this login" not in page
    assert "https://sellercentral.amazon.com/gp/mws/registration/register.html" in page
