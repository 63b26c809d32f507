"""The report pages: what the owner sees, what the form refuses, and 404s for everyone else."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from mwsportal.gateway.models import MWSCall
from reports.models import Report, ReportRequest, ReportSchedule
from tests.factories import (
    ReportFactory,
    ReportRequestFactory,
    SellerFactory,
    SellerMarketplaceFactory,
)

pytestmark = pytest.mark.django_db

BODY = "sku\tasin\tprice\tquantity\nSKU-1\tB000000001\t9.99\t3\nCAFÉ-2\tB000000002\t1.50\t0\n"


@pytest.fixture
def seller(owner):
    seller = SellerFactory(owner=owner)
    SellerMarketplaceFactory(seller=seller)
    SellerMarketplaceFactory(seller=seller, marketplace_id="A2EUQ1WTGCTBG2", name="Amazon.ca")
    return seller


@pytest.fixture
def stored(seller):
    report_request = ReportRequestFactory(seller=seller, status="done")
    report = ReportFactory(seller=seller, request=report_request, body=BODY.encode("cp1252"))
    return report_request, report


def _tenant_urls(report_request: ReportRequest, report: Report) -> list[str]:
    seller_pk = report_request.seller_id
    return [
        reverse("reports:seller", args=[seller_pk]),
        reverse("reports:request_new", args=[seller_pk]),
        reverse("reports:schedules", args=[seller_pk]),
        reverse("reports:request", args=[report_request.pk]),
        reverse("reports:request_status", args=[report_request.pk]),
        reverse("reports:download", args=[report.pk]),
        reverse("reports:preview", args=[report.pk]),
    ]


def test_another_users_reports_are_404_everywhere(stored, stranger_client, owner_client):
    urls = _tenant_urls(*stored)
    for url in urls:
        assert owner_client.get(url).status_code == 200, url
        assert stranger_client.get(url).status_code == 404, url
    report_request, report = stored
    for url in (
        reverse("reports:cancel", args=[report_request.pk]),
        reverse("reports:sync", args=[report_request.seller_id]),
        reverse("reports:settings", args=[report_request.seller_id]),
        reverse("reports:retry_download", args=[report.pk]),
    ):
        assert stranger_client.post(url).status_code == 404, url
    assert not MWSCall.objects.exists()


def test_another_sellers_report_of_the_same_user_is_not_reached_through_the_seller(
    stored, owner_client, owner
):
    other = SellerFactory(owner=owner)
    report_request, _report = stored
    page = owner_client.get(reverse("reports:seller", args=[other.pk]))
    assert page.context["page"].items == []
    assert reverse("reports:request", args=[report_request.pk]) not in page.content.decode()


def test_anonymous_visitors_are_sent_to_the_login(stored, client):
    for url in _tenant_urls(*stored):
        assert client.get(url).status_code == 302


def test_request_form_queues_request_report_with_the_chosen_marketplaces(seller, owner_client):
    answer = owner_client.post(
        reverse("reports:request_new", args=[seller.pk]),
        {
            "report_type": "_GET_FLAT_FILE_ORDERS_DATA_",
            "start_date": "2026-01-01",
            "end_date": "2026-01-31",
            "marketplaces": ["A2EUQ1WTGCTBG2"],
            "report_options": "ShowSalesChannel=true",
        },
    )
    report_request = ReportRequest.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("reports:request", args=[report_request.pk])
    call = MWSCall.objects.get()
    assert call.operation == "RequestReport"
    assert call.params["MarketplaceIdList"] == ["A2EUQ1WTGCTBG2"]
    assert call.params["StartDate"].startswith("2026-01-01T00:00:00")
    assert call.params["ReportOptions"] == "ShowSalesChannel=true"
    assert call.context == {"report_request": report_request.pk}


def test_request_form_shows_the_catalogs_names_and_descriptions(seller, owner_client):
    page = owner_client.get(reverse("reports:request_new", args=[seller.pk])).content.decode()
    assert "Inventory report" in page
    assert "SKU, ASIN, price and quantity of every open listing." in page
    assert "Settlement report" not in page, "Amazon generates those; they cannot be requested"
    assert "Amazon.ca" in page


def test_report_pickers_group_every_requestable_type_by_category(seller, owner_client):
    from mwsclient.operations import REPORT_TYPES, REQUESTABLE_REPORT_TYPES

    for url in ("reports:request_new", "reports:schedules"):
        page = owner_client.get(reverse(url, args=[seller.pk])).content.decode()
        picker = page.split('name="report_type"', 1)[1].split("</select>", 1)[0]
        for value in REQUESTABLE_REPORT_TYPES:
            group = picker.split(f'value="{value}"', 1)[0].rsplit("<optgroup", 1)[1]
            assert f'label="{REPORT_TYPES[value].category}"' in group
        assert "_GET_V2_SETTLEMENT_REPORT_DATA_XML_" not in picker


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "report_type", "required"),
        ({"report_type": "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_"}, "report_type", "valid"),
        (
            {
                "report_type": "_GET_FLAT_FILE_ORDERS_DATA_",
                "start_date": "2026-02-01",
                "end_date": "2026-01-01",
            },
            "end_date",
            "before the start",
        ),
        (
            {"report_type": "_GET_FLAT_FILE_ORDERS_DATA_", "start_date": "2999-01-01"},
            "start_date",
            "future",
        ),
        (
            {"report_type": "_GET_FLAT_FILE_ORDERS_DATA_", "marketplaces": ["A1VC38T7YXB528"]},
            "marketplaces",
            "valid choice",
        ),
        (
            {
                "report_type": "_GET_FLAT_FILE_ORDERS_DATA_",
                "marketplaces": ["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"],
            },
            "marketplaces",
            "(US on mws.amazonservices.com; CA on mws.amazonservices.ca)",
        ),
        (
            {"report_type": "_GET_FLAT_FILE_ORDERS_DATA_", "report_options": "ShowSalesChannel"},
            "report_options",
            "is not key=value; this report takes ShowSalesChannel=true|false",
        ),
        (
            {"report_type": "_GET_FLAT_FILE_ORDERS_DATA_", "report_options": "custom=true"},
            "report_options",
            "“custom” is not an option of this report",
        ),
        (
            {"report_type": "_GET_FLAT_FILE_ORDERS_DATA_", "report_options": "ShowSalesChannel=1"},
            "report_options",
            "ShowSalesChannel must be true or false, not “1”",
        ),
        (
            {"report_type": "_GET_AFN_INVENTORY_DATA_", "report_options": "custom=true"},
            "report_options",
            "This report takes no options",
        ),
        (
            {
                "report_type": "_GET_XML_BROWSE_TREE_DATA_",
                "report_options": "RootNodesOnly=true;RootNodesOnly=false",
            },
            "report_options",
            "“RootNodesOnly” is given twice",
        ),
        (
            {"report_type": "_GET_XML_BROWSE_TREE_DATA_", "report_options": "BrowseNodeId=abc"},
            "report_options",
            "“abc” is not a valid BrowseNodeId",
        ),
    ],
)
def test_request_form_errors_are_shown_on_the_form(seller, owner_client, data, field, message):
    answer = owner_client.post(reverse("reports:request_new", args=[seller.pk]), data)
    assert answer.status_code == 400
    assert message in " ".join(answer.context["form"].errors[field])
    assert "field-error" in answer.content.decode()
    assert not ReportRequest.objects.exists()
    assert not MWSCall.objects.exists()


def test_report_options_are_written_as_mws_reads_them(seller, owner_client):
    owner_client.post(
        reverse("reports:request_new", args=[seller.pk]),
        {
            "report_type": "_GET_XML_BROWSE_TREE_DATA_",
            "report_options": " RootNodesOnly = TRUE ; BrowseNodeId=1055398 ",
        },
    )
    (call,) = MWSCall.objects.all()
    assert call.params["ReportOptions"] == "RootNodesOnly=true;BrowseNodeId=1055398"
    assert ReportRequest.objects.get().report_options == "RootNodesOnly=true;BrowseNodeId=1055398"


def test_the_form_lists_the_options_of_the_reports_that_take_some(seller, owner_client):
    page = owner_client.get(reverse("reports:request_new", args=[seller.pk])).content.decode()
    assert "Options: ShowSalesChannel=true|false" in page
    assert "Options: custom=true|false" in page


def test_japanese_sellers_get_no_marketplace_choice(owner, owner_client):
    seller = SellerFactory(owner=owner, region="FE")
    SellerMarketplaceFactory(seller=seller, marketplace_id="A1VC38T7YXB528", name="Amazon.co.jp")
    page = owner_client.get(reverse("reports:request_new", args=[seller.pk]))
    assert "marketplaces" not in page.context["form"].fields
    owner_client.post(
        reverse("reports:request_new", args=[seller.pk]),
        {"report_type": "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_", "marketplaces": ["A1VC38T7YXB528"]},
    )
    assert "MarketplaceIdList" not in MWSCall.objects.get().params


def test_far_east_sellers_can_name_australia_but_not_japan(owner, owner_client):
    seller = SellerFactory(owner=owner, region="FE")
    SellerMarketplaceFactory(seller=seller, marketplace_id="A1VC38T7YXB528", name="Amazon.co.jp")
    SellerMarketplaceFactory(seller=seller, marketplace_id="A39IBJ37TRP1C6", name="Amazon.com.au")
    page = owner_client.get(reverse("reports:request_new", args=[seller.pk]))
    choices = [value for value, _ in page.context["form"].fields["marketplaces"].choices]
    assert choices == ["A39IBJ37TRP1C6"]
    owner_client.post(
        reverse("reports:request_new", args=[seller.pk]),
        {"report_type": "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_", "marketplaces": ["A39IBJ37TRP1C6"]},
    )
    assert MWSCall.objects.get().params["MarketplaceIdList"] == ["A39IBJ37TRP1C6"]


def test_download_streams_with_charset_and_a_useful_name(stored, owner_client):
    _, report = stored
    answer = owner_client.get(reverse("reports:download", args=[report.pk]))
    assert answer.streaming
    assert answer["Content-Type"] == "text/plain; charset=windows-1252"
    assert answer["Content-Length"] == str(len(BODY.encode("cp1252")))
    disposition = answer["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"inventory-report-{report.report_id}-" in disposition
    assert b"".join(answer.streaming_content) == BODY.encode("cp1252")


def test_preview_shows_headers_and_rows_decoded(stored, owner_client):
    _, report = stored
    page = owner_client.get(reverse("reports:preview", args=[report.pk])).content.decode()
    assert "<th>sku</th>" in page
    assert "<td>CAFÉ-2</td>" in page


def test_preview_of_an_undeclared_jp_report_shows_japanese(owner, owner_client):
    seller = SellerFactory(owner=owner, region="FE")
    report_request = ReportRequestFactory(
        seller=seller, status="done", marketplace_ids=["A1VC38T7YXB528"]
    )
    body = "sku\tasin\tprice\tquantity\n和風トートバッグ①\tB000000001\t1980\t3\n"
    report = ReportFactory(
        seller=seller, request=report_request, charset="", body=body.encode("cp932")
    )
    page = owner_client.get(reverse("reports:preview", args=[report.pk])).content.decode()
    assert "<td>和風トートバッグ①</td>" in page


def test_a_report_not_downloaded_yet_has_no_download_or_preview(seller, owner_client):
    report = ReportFactory(seller=seller, state="pending")
    assert owner_client.get(reverse("reports:download", args=[report.pk])).status_code == 404
    assert owner_client.get(reverse("reports:preview", args=[report.pk])).status_code == 404


def test_status_fragment_polls_until_settled(seller, owner_client):
    report_request = ReportRequestFactory(seller=seller, status="in_progress")
    url = reverse("reports:request_status", args=[report_request.pk])
    open_response = owner_client.get(url)
    assert 'hx-trigger="every 2s"' in open_response.content.decode()
    assert "HX-Trigger" not in open_response

    report_request.status = "done"
    report_request.save()
    report = ReportFactory(seller=seller, request=report_request, state="pending")
    assert 'hx-trigger="every 2s"' in owner_client.get(url).content.decode(), "still downloading"

    ReportFactory._meta.model.objects.filter(pk=report.pk).update(state="stored", file="x.txt")
    settled_response = owner_client.get(url)
    settled = settled_response.content.decode()
    assert "hx-trigger" not in settled
    # ...and tells the request page to refresh its details and buttons.
    assert settled_response["HX-Trigger"] == "report-settled"
    detail = owner_client.get(reverse("reports:request", args=[report_request.pk]))
    assert 'hx-trigger="report-settled from:body"' in detail.content.decode()
    assert reverse("reports:download", args=[report.pk]) in settled


@pytest.mark.parametrize("status", ["done_no_data", "cancelled", "failed"])
def test_final_statuses_without_a_report_stop_polling(seller, owner_client, status):
    report_request = ReportRequestFactory(seller=seller, status=status)
    fragment = owner_client.get(reverse("reports:request_status", args=[report_request.pk]))
    assert "hx-trigger" not in fragment.content.decode()
    assert ReportRequest.Status(status).label in fragment.content.decode()


def test_list_pages_by_key_and_filters(seller, owner_client, django_assert_max_num_queries):
    rows = ReportRequestFactory.create_batch(30, seller=seller)
    ReportRequestFactory.create_batch(3, seller=seller, report_type="_GET_AFN_INVENTORY_DATA_")
    url = reverse("reports:seller", args=[seller.pk])

    with django_assert_max_num_queries(12):
        first = owner_client.get(url)
    assert len(first.context["page"].items) == 25
    before = first.context["page"].before
    second = owner_client.get(url, {"before": before})
    ids = [r.pk for r in first.context["page"].items + second.context["page"].items]
    assert len(ids) == len(set(ids)) == 33
    assert second.context["page"].before is None

    filtered = owner_client.get(url, {"type": "_GET_AFN_INVENTORY_DATA_"})
    assert len(filtered.context["page"].items) == 3
    assert {r.pk for r in rows}.isdisjoint(r.pk for r in filtered.context["page"].items)
    assert owner_client.get(url, {"status": "done"}).context["page"].items == []


def test_bad_filters_are_reported_and_ignored(seller, owner_client):
    ReportRequestFactory(seller=seller)
    answer = owner_client.get(
        reverse("reports:seller", args=[seller.pk]), {"since": "2026-02-01", "until": "2026-01-01"}
    )
    assert answer.status_code == 200
    assert "must not be before" in answer.content.decode()


def test_cancel_of_a_submitted_request_sends_its_explicit_id(seller, owner_client):
    report_request = ReportRequestFactory(seller=seller, status="submitted")
    owner_client.post(reverse("reports:cancel", args=[report_request.pk]))
    call = MWSCall.objects.get()
    assert call.operation == "CancelReportRequests"
    assert call.params == {"ReportRequestIdList": [report_request.mws_request_id]}


def test_a_request_in_progress_cannot_be_cancelled(seller, owner_client):
    report_request = ReportRequestFactory(seller=seller, status="in_progress")
    answer = owner_client.post(reverse("reports:cancel", args=[report_request.pk]), follow=True)
    assert "Only a queued or submitted request" in answer.content.decode()
    assert not MWSCall.objects.exists()


def test_schedule_form_queues_manage_report_schedule(seller, owner_client):
    answer = owner_client.post(
        reverse("reports:schedules", args=[seller.pk]),
        {"report_type": "_GET_FLAT_FILE_ORDERS_DATA_", "schedule": "_1_DAY_"},
    )
    assert answer.status_code == 302
    call = MWSCall.objects.get()
    assert call.operation == "ManageReportSchedule"
    assert call.params == {"ReportType": "_GET_FLAT_FILE_ORDERS_DATA_", "Schedule": "_1_DAY_"}
    assert ReportSchedule.objects.get().pending_schedule == "_1_DAY_"


def test_schedule_form_refuses_never_and_past_dates(seller, owner_client):
    url = reverse("reports:schedules", args=[seller.pk])
    answer = owner_client.post(
        url, {"report_type": "_GET_FLAT_FILE_ORDERS_DATA_", "schedule": "_NEVER_"}
    )
    assert answer.status_code == 400
    answer = owner_client.post(
        url,
        {
            "report_type": "_GET_FLAT_FILE_ORDERS_DATA_",
            "schedule": "_1_DAY_",
            "schedule_date": "2001-01-01T00:00",
        },
    )
    assert "future" in answer.content.decode()
    assert not MWSCall.objects.exists()


def test_acknowledgement_setting_is_saved(seller, owner_client):
    owner_client.post(
        reverse("reports:settings", args=[seller.pk]), {"acknowledge_downloads": "on"}
    )
    assert seller.report_settings.acknowledge_downloads
    owner_client.post(reverse("reports:settings", args=[seller.pk]), {})
    seller.report_settings.refresh_from_db()
    assert not seller.report_settings.acknowledge_downloads


def test_seller_dashboard_lists_recent_reports(stored, owner_client):
    report_request, _ = stored
    page = owner_client.get(reverse("sellers:dashboard", args=[report_request.seller_id]))
    assert reverse("reports:request", args=[report_request.pk]) in page.content.decode()


def test_nav_has_reports(owner_client):
    assert 'href="/reports/"' in owner_client.get(reverse("home")).content.decode()


def test_a_removed_seller_gets_a_form_error_not_a_crash(seller, owner_client):
    seller.status = "removed"
    seller.save()
    answer = owner_client.post(
        reverse("reports:request_new", args=[seller.pk]),
        {"report_type": "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"},
    )
    assert answer.status_code == 400
    assert "authorization of this seller account was removed" in answer.content.decode()
    assert not ReportRequest.objects.exists()
    answer = owner_client.post(reverse("reports:sync", args=[seller.pk]), follow=True)
    assert "authorization of this seller account was removed" in answer.content.decode()


def test_a_failed_download_can_be_retried_by_its_owner(seller, owner_client):
    report_request = ReportRequestFactory(seller=seller, status="done")
    report = ReportFactory(seller=seller, request=report_request, state="failed", downloads=4)
    page = owner_client.get(reverse("reports:request", args=[report_request.pk]))
    retry = reverse("reports:retry_download", args=[report.pk])
    assert retry in page.content.decode()

    owner_client.post(retry)
    report.refresh_from_db()
    assert (report.state, report.downloads) == ("pending", 1)
    assert MWSCall.objects.get().operation == "GetReport"

    answer = owner_client.post(retry, follow=True)
    assert "being downloaded already" in answer.content.decode()
    assert MWSCall.objects.count() == 1


def test_the_reports_view_applies_the_state_and_date_filters(seller, owner_client):
    stored = ReportFactory(seller=seller, body=b"sku\n")
    failed = ReportFactory(seller=seller, state="failed")
    old = ReportFactory(seller=seller, body=b"sku\n")
    Report.objects.filter(pk=old.pk).update(created_at=datetime(2025, 1, 10, 12, tzinfo=UTC))
    url = reverse("reports:seller", args=[seller.pk])

    def listed(**query) -> set[int]:
        answer = owner_client.get(url, {"view": "reports", **query})
        assert answer.status_code == 200
        return {r.pk for r in answer.context["page"].items}

    assert listed() == {stored.pk, failed.pk, old.pk}
    assert listed(status="failed") == {failed.pk}
    assert listed(status="stored") == {stored.pk, old.pk}
    assert listed(since="2026-01-01") == {stored.pk, failed.pk}
    assert listed(until="2025-01-31") == {old.pk}
    assert listed(status="stored", since="2025-01-01", until="2025-01-10") == {old.pk}


def test_the_reports_view_offers_report_states_and_refuses_request_statuses(seller, owner_client):
    url = reverse("reports:seller", args=[seller.pk])
    page = owner_client.get(url, {"view": "reports", "status": "submitted"})
    assert page.status_code == 200
    assert "Select a valid choice" in page.content.decode()
    assert '<option value="stored">Downloaded</option>' in page.content.decode()


def test_a_json_report_is_stored_and_served_as_json(seller, owner_client):
    from reports.services import open_report

    report = ReportFactory(
        seller=seller,
        report_type="_GET_V2_SELLER_PERFORMANCE_REPORT_",
        body=b'{"performanceMetrics": []}\n',
        content_type="",
        charset="",
    )
    assert report.format == "json"
    stored = open_report(report)
    stored.handle.close()
    assert stored.content_type == "application/json"
