"""The MWS reference page is read from the operation catalog: every operation, its path,
throttle and parameters, and every report and feed type appear, and nothing else states them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mwsclient.operations import FEED_TYPES, OPERATIONS, REPORT_TYPES

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_html(client, owner) -> str:
    client.force_login(owner)
    response = client.get(reverse("gateway:operations"))
    assert response.status_code == 200
    return response.content.decode()


def test_every_operation_is_listed_with_its_path_and_throttle(page_html):
    assert len(OPERATIONS) == 23
    for op in OPERATIONS.values():
        assert f'id="op-{op.name}"' in page_html
        row = page_html.split(f'id="op-{op.name}"', 1)[1].split("</tr>", 1)[0]
        assert op.path in row
        assert f"quota {op.throttle.quota}," in row
        if op.throttle.hourly_quota:
            assert f"at most {op.throttle.hourly_quota} an hour" in row
        for param in op.params:
            assert param.name in row


def test_paging_twins_link_to_each_other(page_html):
    assert 'More pages: <a href="#op-GetReportListByNextToken">' in page_html
    assert 'Next page of <a href="#op-GetReportList">' in page_html


def test_every_report_and_feed_type_is_listed(page_html):
    for value in [*REPORT_TYPES, *FEED_TYPES]:
        assert value in page_html


def test_the_page_needs_a_login(client):
    response = client.get(reverse("gateway:operations"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
