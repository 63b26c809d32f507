"""Every route, called with a second partner's key: the first partner's objects are 404s,
lists leave them out, and writes that name them are refused. And scopes: a missing one is a
403 that names it."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from reports.models import ReportSchedule
from sellers import services
from tests.factories import (
    FeedMessageResultFactory,
    FeedSubmissionFactory,
    ReportFactory,
    ReportRequestFactory,
)


@pytest.fixture
def objects(media, seller):
    """One object of every kind, belonging to the owner's seller."""
    report_request = ReportRequestFactory(seller=seller)
    report = ReportFactory(seller=seller, request=report_request, body=b"sku\tqty\nA\t1\n")
    schedule = ReportSchedule.objects.create(
        seller=seller, report_type="_GET_FLAT_FILE_OPEN_LISTINGS_DATA_", schedule="_1_DAY_"
    )
    feed = FeedSubmissionFactory(seller=seller, state="complete")
    feed.report_file = default_storage.save("feeds/result.xml", ContentFile(b"<r/>"))
    feed.save()
    FeedMessageResultFactory(submission=feed)
    return {
        "seller": seller.pk,
        "request": report_request.pk,
        "report": report.pk,
        "schedule": schedule.pk,
        "feed": feed.pk,
    }


S = "/api/v1/sellers/{seller}"
DETAILS = [
    ("get", S + "/"),
    ("get", S + "/request-log/"),
    ("get", S + "/report-requests/"),
    ("get", S + "/report-requests/{request}/"),
    ("post", S + "/report-requests/{request}/cancel/"),
    ("get", S + "/reports/"),
    ("get", S + "/reports/{report}/"),
    ("get", S + "/reports/{report}/download/"),
    ("get", S + "/schedules/"),
    ("get", S + "/schedules/{schedule}/"),
    ("put", S + "/schedules/{schedule}/"),
    ("delete", S + "/schedules/{schedule}/"),
    ("get", S + "/feeds/"),
    ("get", S + "/feeds/{feed}/"),
    ("get", S + "/feeds/{feed}/result/"),
    ("get", S + "/feeds/{feed}/result/download/"),
    ("post", S + "/feeds/{feed}/cancel/"),
    ("post", S + "/report-requests/"),
    ("post", S + "/schedules/"),
    ("post", S + "/feeds/"),
]
WRITES = {
    S + "/report-requests/": {"report_type": "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"},
    S + "/schedules/": {"report_type": "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_", "schedule": "_1_DAY_"},
    S + "/schedules/{schedule}/": {"schedule": "_1_WEEK_"},
}


# Feed creation needs a file; test_writes covers it.
@pytest.mark.parametrize(("method", "route"), [d for d in DETAILS if d != ("post", S + "/feeds/")])
def test_the_owners_partner_reaches_every_route(api, objects, method, route):
    response = getattr(api, method)(route.format(**objects), WRITES.get(route), format="json")
    assert response.status_code < 400 or response.status_code == 409, response.content


@pytest.mark.parametrize(("method", "route"), DETAILS)
def test_another_partner_gets_404_everywhere(api, other_api, objects, method, route):
    response = getattr(other_api, method)(route.format(**objects), WRITES.get(route), format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "route", ["/api/v1/sellers/", *(r for m, r in DETAILS if m == "get" and r.endswith("s/"))]
)
def test_another_partners_lists_leave_the_first_partners_rows_out(
    other_api, objects, stranger_seller, route
):
    # The other partner lists its own seller's collections; none holds the owner's rows.
    own = {**objects, "seller": stranger_seller.pk}
    response = other_api.get(route.format(**own))
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert not ids & set(objects.values()) or route == "/api/v1/sellers/"
    if route == "/api/v1/sellers/":
        assert ids == {stranger_seller.pk}


def test_a_revoked_grant_hides_the_seller(api, objects, grant):
    services.revoke_grant(grant)
    assert api.get(f"/api/v1/sellers/{objects['seller']}/").status_code == 404
    assert api.get("/api/v1/sellers/").json()["results"] == []


@pytest.mark.parametrize(
    ("scope", "method", "route"),
    [
        ("read_reports", "get", S + "/report-requests/"),
        ("read_reports", "get", S + "/reports/{report}/download/"),
        ("request_reports", "post", S + "/report-requests/"),
        ("request_reports", "delete", S + "/schedules/{schedule}/"),
        ("submit_feeds", "get", S + "/feeds/"),
        ("submit_feeds", "post", S + "/feeds/{feed}/cancel/"),
    ],
)
def test_missing_scope_is_a_403_naming_it(api, objects, seller, partner, scope, method, route):
    others = [s for s in ("read_reports", "request_reports", "submit_feeds") if s != scope]
    services.grant_partner(seller, partner, scopes=others)
    response = getattr(api, method)(route.format(**objects), WRITES.get(route), format="json")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["scope"] == scope
    assert scope in error["message"]


def test_seller_detail_never_carries_the_token(api, seller):
    body = api.get(f"/api/v1/sellers/{seller.pk}/").content.decode()
    assert seller.auth_token not in body
    data = api.get(f"/api/v1/sellers/{seller.pk}/").json()
    assert "auth_token" not in data
    assert data["marketplaces"][0]["marketplace_id"] == "ATVPDKIKX0DER"
    assert isinstance(data["quota"], list)
    assert sorted(data["scopes"]) == ["read_reports", "request_reports", "submit_feeds"]
