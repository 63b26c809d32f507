"""Staff find feeds in the admin and nudge stuck ones through the services."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from feeds import tasks
from feeds.models import FeedSubmission
from mwsportal.gateway.models import MWSCall
from tests.factories import FeedMessageResultFactory, FeedSubmissionFactory

pytestmark = pytest.mark.django_db
State = FeedSubmission.State


@pytest.fixture
def admin_client(db) -> Client:
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root@example.com"))
    return client


def test_the_changelist_filters_and_searches(admin_client, seller):
    feed = FeedSubmissionFactory(seller=seller, state=State.COMPLETE, feed_submission_id="60001")
    FeedMessageResultFactory(submission=feed, sku="BROKEN-SKU")
    FeedSubmissionFactory(seller=seller, state=State.FAILED, feed_submission_id="60002")
    url = reverse("admin:feeds_feedsubmission_changelist")
    found = admin_client.get(url, {"q": "60001"}).content.decode()
    assert "60001" in found
    assert "60002" not in found
    filtered = admin_client.get(url, {"state__exact": "failed"}).content.decode()
    assert "60002" in filtered
    assert "60001" not in filtered
    detail = admin_client.get(reverse("admin:feeds_feedsubmission_change", args=[feed.pk]))
    assert "BROKEN-SKU" in detail.content.decode()


def test_reconcile_action_asks_amazon_about_unknown_feeds_only(admin_client, seller):
    unknown = FeedSubmissionFactory(seller=seller, state=State.UNKNOWN, sent_at=timezone.now())
    done = FeedSubmissionFactory(seller=seller, state=State.COMPLETE, feed_submission_id="1")
    admin_client.post(
        reverse("admin:feeds_feedsubmission_changelist"),
        {"action": "reconcile", "_selected_action": [unknown.pk, done.pk]},
    )
    (call,) = MWSCall.objects.all()
    assert call.operation == "GetFeedSubmissionList"
    assert call.context == {"feed": unknown.pk}


def test_repoll_action_and_the_periodic_task_poll_once(admin_client, seller):
    feed = FeedSubmissionFactory(seller=seller, state=State.SUBMITTED, feed_submission_id="70")
    admin_client.post(
        reverse("admin:feeds_feedsubmission_changelist"),
        {"action": "repoll", "_selected_action": [feed.pk]},
    )
    tasks.sync_feeds()
    tasks.sync_feeds()
    (call,) = MWSCall.objects.all()
    assert call.params["FeedSubmissionIdList"] == ["70"]


def test_beat_runs_the_feeds_sync(settings):
    from mwsportal.celery import app

    entry = app.conf.beat_schedule["feeds-sync"]
    assert entry["task"] == "feeds.sync"
    assert entry["schedule"] == settings.FEED_SYNC_SECONDS
    assert "feeds.sync" in app.tasks
