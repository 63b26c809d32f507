"""Every route of the API, read from the URL configuration so a new route cannot be left out,
called with a second partner's key: the first partner's objects are 404s, lists leave them
out, and writes that name them are refused and change nothing. And scopes: every route
declares the scope it needs, and a grant without it is a 403 that names it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, reverse
from django.utils import timezone

from feeds.models import FeedSubmission
from mwsportal.api.urls import urlpatterns
from mwsportal.gateway.models import MWSCall, RequestLogEntry
from partners import services, webhooks
from partners.models import Partner, WebhookEndpoint
from reports import ingest
from reports.models import Report, ReportRequest, ReportSchedule
from sellers.models import Seller
from tests.factories import (
    FEED_BODY,
    FeedMessageResultFactory,
    FeedSubmissionFactory,
    ReportFactory,
    ReportRequestFactory,
)

LISTINGS = "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"
SETTLEMENT = "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2_"
SETTLEMENT_BODY = (
    b"settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\t"
    b"currency\ttransaction-type\tamount-type\tamount-description\tamount\n"
    b"9\t2020-05-01T00:00:00+00:00\t2020-05-15T00:00:00+00:00\t2020-05-17T00:00:00+00:00\t"
    b"5.00\tUSD\t\t\t\t\nrow\t\t\t\t\t\tOrder\tItemPrice\tPrincipal\t5.00\n"
)
FEED_TYPE = "_POST_INVENTORY_AVAILABILITY_DATA_"


def api_patterns(patterns: list | None = None, prefix: str = "") -> list[tuple[str, URLPattern]]:
    """(full route under /api/, pattern) of every API URL, through the apps' included routes."""
    found = []
    for entry in urlpatterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found.extend(api_patterns(entry.url_patterns, route))
        else:
            found.append((route, entry))
    return found


def api_routes() -> list[tuple[str, str]]:
    """(URL name, HTTP method) of every partner route; the schema and docs pages are not
    partner routes (they have no viewset actions)."""
    return [
        (pattern.name, method)
        for _, pattern in api_patterns()
        for method in getattr(pattern.callback, "actions", {})
    ]


ROUTES = api_routes()
ROUTE_STRINGS = {pattern.name: route for route, pattern in api_patterns()}
# The object a route's <pk> designates, by the collection it follows in the path.
OBJECT_OF_COLLECTION = {
    "report-requests": "request",
    "reports": "report",
    "schedules": "schedule",
    "feeds": "feed",
    "webhooks": "webhook",
    "settlements": "settlement",
}
# What the rows of each list are.
LIST_ROWS = {
    "sellers": "seller",
    "request_log": "log",
    "report_requests": "request",
    "reports": "report",
    "schedules": "schedule",
    "feeds": "feed",
    "feed_result": "result",
    "webhooks": "webhook",
    "settlements": "settlement",
}
# The grant scope every route needs; None: any grant (or, off a seller, the key alone).
SCOPES = {
    ("sellers", "get"): None,
    ("seller", "get"): None,
    ("request_log", "get"): None,
    ("report_requests", "get"): "read_reports",
    ("report_requests", "post"): "request_reports",
    ("report_request", "get"): "read_reports",
    ("report_request_cancel", "post"): "request_reports",
    ("reports", "get"): "read_reports",
    ("report", "get"): "read_reports",
    ("report_download", "get"): "read_reports",
    ("report_rows", "get"): "read_reports",
    ("settlements", "get"): "read_reports",
    ("settlement", "get"): "read_reports",
    ("schedules", "get"): "read_reports",
    ("schedules", "post"): "request_reports",
    ("schedule", "get"): "read_reports",
    ("schedule", "put"): "request_reports",
    ("schedule", "delete"): "request_reports",
    ("feeds", "get"): "submit_feeds",
    ("feeds", "post"): "submit_feeds",
    ("feed", "get"): "submit_feeds",
    ("feed_result", "get"): "submit_feeds",
    ("feed_result_download", "get"): "submit_feeds",
    ("feed_cancel", "post"): "submit_feeds",
    ("webhooks", "get"): None,
    ("webhooks", "post"): None,
    ("webhook", "get"): None,
    ("webhook", "delete"): None,
}
JSON_BODIES = {
    ("report_requests", "post"): {"report_type": LISTINGS},
    ("schedules", "post"): {"report_type": LISTINGS, "schedule": "_1_DAY_"},
    ("schedule", "put"): {"schedule": "_1_WEEK_"},
    ("webhooks", "post"): {"url": "https://hooks.example.com/x", "events": ["feed.done"]},
}
SELLER_ROUTES = [r for r in ROUTES if "<int:seller_pk>" in ROUTE_STRINGS[r[0]]]
OBJECT_ROUTES = [r for r in ROUTES if "<int:pk>" in ROUTE_STRINGS[r[0]]]
WRITES = [r for r in ROUTES if r[1] != "get"]
LISTS = [(name, method) for name, method in ROUTES if name in LIST_ROWS and method == "get"]


def url_of(name: str, objects: dict[str, int]) -> str:
    route = ROUTE_STRINGS[name]
    kwargs = {}
    if "<int:seller_pk>" in route:
        kwargs["seller_pk"] = objects["seller"]
    if "<int:pk>" in route:
        collection = route.split("/<int:pk>")[0].rsplit("/", 1)[-1]
        kwargs["pk"] = objects[OBJECT_OF_COLLECTION[collection]]
    return reverse(f"api:{name}", kwargs=kwargs)


def call(client: Any, name: str, method: str, objects: dict[str, int]) -> Any:
    url = url_of(name, objects)
    if (name, method) == ("feeds", "post"):
        upload = SimpleUploadedFile("inventory.xml", FEED_BODY, "text/xml")
        return client.post(url, {"feed_type": FEED_TYPE, "file": upload}, format="multipart")
    return getattr(client, method)(url, JSON_BODIES.get((name, method)), format="json")


def make_objects(seller: Seller, partner: Partner) -> dict[str, int]:
    """One object of every kind the API shows, for ``seller`` and ``partner``."""
    report_request = ReportRequestFactory(seller=seller)
    # A settlement report read into rows: it has rows and a settlement of its own.
    report = ReportFactory(
        seller=seller,
        request=report_request,
        report_type=SETTLEMENT,
        body=SETTLEMENT_BODY,
        charset="",
    )
    ingest.ingest_report(report)
    schedule = ReportSchedule.objects.create(
        seller=seller, report_type=LISTINGS, schedule="_1_DAY_"
    )
    feed = FeedSubmissionFactory(seller=seller, state="complete")
    feed.report_file = default_storage.save(f"feeds/{seller.pk}/result.xml", ContentFile(b"<r/>"))
    feed.save()
    result = FeedMessageResultFactory(submission=feed)
    log = RequestLogEntry.objects.create(
        seller=seller,
        mws_seller_id=seller.seller_id,
        operation="GetReportList",
        sent_at=timezone.now(),
        timestamp="2026-01-01T00:00:00Z",
        duration_ms=12.5,
    )
    endpoint, _ = webhooks.register_endpoint(
        partner, url=f"https://hooks.example.com/{partner.pk}", events=["feed.done"]
    )
    return {
        "seller": seller.pk,
        "request": report_request.pk,
        "report": report.pk,
        "schedule": schedule.pk,
        "feed": feed.pk,
        "result": result.pk,
        "log": log.pk,
        "webhook": endpoint.pk,
        "settlement": report.settlement.pk,
    }


def state_of(seller_pk: int) -> dict[str, Any]:
    """Everything a refused write could have changed for a seller."""
    return {
        "requests": list(ReportRequest.objects.filter(seller=seller_pk).values().order_by("pk")),
        "reports": list(Report.objects.filter(seller=seller_pk).values().order_by("pk")),
        "schedules": list(ReportSchedule.objects.filter(seller=seller_pk).values().order_by("pk")),
        "feeds": list(FeedSubmission.objects.filter(seller=seller_pk).values().order_by("pk")),
        "calls": MWSCall.objects.filter(seller=seller_pk).count(),
        "webhooks": list(WebhookEndpoint.objects.values("pk", "partner", "url", "events")),
    }


@pytest.fixture
def objects(media, seller, partner, grant) -> dict[str, int]:
    return make_objects(seller, partner)


@pytest.fixture
def others(media, other_api, stranger_seller) -> dict[str, int]:
    """The second partner's own objects, on the seller that granted it."""
    return make_objects(stranger_seller, Partner.objects.get(name="Other Integrations"))


def test_every_route_is_swept():
    # The tables above name every route, so a new route fails here until it is declared.
    assert ROUTES
    assert set(SCOPES) == set(ROUTES)
    assert len(ROUTES) == len(set(ROUTES))
    assert {name for name, _ in LISTS} == set(LIST_ROWS)


@pytest.mark.parametrize(("name", "method"), ROUTES)
def test_the_granted_partner_reaches_every_route(api, objects, name, method):
    response = call(api, name, method, objects)
    # 409: the object's state refuses the action (e.g. cancelling a finished feed).
    assert response.status_code < 400 or response.status_code == 409, response.content


@pytest.mark.parametrize(("name", "method"), SELLER_ROUTES + OBJECT_ROUTES)
def test_another_partner_gets_404_on_the_first_partners_objects(
    api, other_api, objects, others, name, method
):
    before = state_of(objects["seller"])
    response = call(other_api, name, method, objects)
    assert response.status_code == 404, response.content
    assert response.json()["error"]["code"] == "not_found"
    assert state_of(objects["seller"]) == before


@pytest.mark.parametrize(
    ("name", "method"), [r for r in ROUTES if r in SELLER_ROUTES and r in OBJECT_ROUTES]
)
def test_another_partner_cannot_reach_an_object_through_its_own_seller(
    api, other_api, objects, others, name, method
):
    # The other partner's own seller in the path, the first partner's object as the id.
    before = state_of(objects["seller"])
    response = call(other_api, name, method, {**objects, "seller": others["seller"]})
    assert response.status_code == 404, response.content
    assert state_of(objects["seller"]) == before


@pytest.mark.parametrize(("name", "method"), LISTS)
def test_another_partners_lists_hold_only_its_own_rows(
    api, other_api, objects, others, name, method
):
    rows = LIST_ROWS[name]
    response = call(other_api, name, method, others)
    assert response.status_code == 200, response.content
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {others[rows]}
    assert objects[rows] not in ids


def test_a_webhook_registered_by_another_partner_is_its_own(api, other_api, objects, others):
    response = call(other_api, "webhooks", "post", others)
    assert response.status_code == 201
    created = WebhookEndpoint.objects.get(pk=response.json()["id"])
    assert created.partner.name == "Other Integrations"
    listed = {row["id"] for row in api.get(reverse("api:webhooks")).json()["results"]}
    assert listed == {objects["webhook"]}


def test_every_write_route_is_swept():
    # Writes without a path parameter name nothing of another partner: only webhook
    # registration, checked above.
    assert [r for r in WRITES if r not in SELLER_ROUTES + OBJECT_ROUTES] == [("webhooks", "post")]


def test_a_revoked_grant_hides_the_seller(api, objects, grant):
    services.revoke_grant(grant)
    assert api.get(f"/api/v1/sellers/{objects['seller']}/").status_code == 404
    assert api.get("/api/v1/sellers/").json()["results"] == []


@pytest.mark.parametrize(("name", "method"), [r for r in SELLER_ROUTES if SCOPES[r] is not None])
def test_missing_scope_is_a_403_naming_it(api, objects, seller, partner, name, method):
    scope = SCOPES[(name, method)]
    others = [s for s in ("read_reports", "request_reports", "submit_feeds") if s != scope]
    services.grant_partner(seller, partner, scopes=others)
    before = state_of(seller.pk)
    response = call(api, name, method, objects)
    assert response.status_code == 403, response.content
    error = response.json()["error"]
    assert error["scope"] == scope
    assert scope in error["message"]
    assert state_of(seller.pk) == before


@pytest.mark.parametrize(("name", "method"), [r for r in SELLER_ROUTES if SCOPES[r] is None])
def test_routes_without_a_scope_need_only_a_grant(api, objects, seller, partner, name, method):
    services.grant_partner(seller, partner, scopes=[])
    assert call(api, name, method, objects).status_code == 200


def test_seller_detail_never_carries_the_token(api, seller):
    body = api.get(f"/api/v1/sellers/{seller.pk}/").content.decode()
    assert seller.auth_token not in body
    data = api.get(f"/api/v1/sellers/{seller.pk}/").json()
    assert "auth_token" not in data
    assert data["marketplaces"][0]["marketplace_id"] == "ATVPDKIKX0DER"
    assert isinstance(data["quota"], list)
    assert sorted(data["scopes"]) == ["read_reports", "request_reports", "submit_feeds"]
