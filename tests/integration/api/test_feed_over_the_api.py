"""A partner's whole feed round trip against the sandbox: the file goes up as the raw request
body, the gateway submits it and reads the processing report, a signed ``feed.done`` webhook
reaches the partner's receiver on loopback, and the result is read as JSON and downloaded."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from feeds.models import FeedSubmission
from partners import services, webhooks
from partners.models import Partner, WebhookDelivery
from tests.integration.feeds.conftest import sandbox, sandbox_delays, us_seller  # noqa: F401
from tests.integration.feeds.support import US, US_SELLER, finished, inventory_xml, mfn_skus
from tests.unit.api.test_webhooks import receiver  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
FEED_TYPE = "_POST_INVENTORY_AVAILABILITY_DATA_"


def test_submit_webhook_and_result(us_seller, sandbox, receiver):  # noqa: F811
    partner = Partner.objects.create(name="Acme")
    _, key = services.create_api_key(partner, name="it")
    services.grant_partner(us_seller, partner, scopes=["submit_feeds"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    hook = api.post(
        "/api/v1/webhooks/", {"url": receiver.url, "events": ["feed.done"]}, format="json"
    )
    assert hook.status_code == 201, hook.content
    receiver.secret = hook.json()["secret"]

    (known,) = mfn_skus(sandbox, 1)
    body = inventory_xml(US_SELLER, [(known, 7), ("NO-SUCH-SKU-9", 1)])
    created = api.generic(
        "POST",
        f"/api/v1/sellers/{us_seller.pk}/feeds/?feed_type={FEED_TYPE}"
        f"&marketplace_ids={US}&filename=stock.xml",
        body,
        content_type="text/xml",
        HTTP_IDEMPOTENCY_KEY="stock-1",
    )
    assert created.status_code == 201, created.content
    feed = finished(FeedSubmission.objects.get(pk=created.json()["id"]))
    assert feed.state == "complete", feed.state_message

    for delivery_id in webhooks.dispatch_due():
        webhooks.deliver(delivery_id)
    assert WebhookDelivery.objects.get().state == "delivered"
    (received,) = receiver.received
    assert received["valid"]
    assert received["event"] == "feed.done"
    assert received["body"]["data"]["feed"] == feed.pk
    assert received["body"]["data"]["state"] == "complete"
    assert received["body"]["data"]["messages_with_error"] == 1

    result = api.get(f"/api/v1/sellers/{us_seller.pk}/feeds/{feed.pk}/result/").json()
    assert result["feed"]["messages_processed"] == 2
    assert [(r["sku"], r["severity"]) for r in result["results"]] == [("NO-SUCH-SKU-9", "error")]
    download = api.get(f"/api/v1/sellers/{us_seller.pk}/feeds/{feed.pk}/result/download/")
    assert download.status_code == 200
    assert feed.feed_submission_id.encode() in b"".join(download.streaming_content)
