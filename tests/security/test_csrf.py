"""CSRF: every form carries the token, every POST without one is refused, htmx sends it.

The POST sweep covers every browser route found in the resolver (as the owner of the objects
they name, so the refusal is the CSRF check's and not a 404) and the admin's forms.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from reports.models import SellerReportSettings
from tests.security.conftest import admin_page_urls, make_tenant, our_templates, tenant_page_urls

pytestmark = pytest.mark.django_db

_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.DOTALL | re.IGNORECASE)
_POST = re.compile(r"""method\s*=\s*["']?post""", re.IGNORECASE)


def forms_without_token(template_text: str) -> list[str]:
    return [
        f"<form{attributes}>"
        for attributes, body in _FORM.findall(template_text)
        if _POST.search(attributes) and "{% csrf_token %}" not in body
    ]


@pytest.mark.parametrize(
    "template", our_templates(), ids=lambda path: str(path.relative_to(settings.BASE_DIR))
)
def test_every_post_form_in_the_templates_has_the_token(template: Path):
    assert forms_without_token(template.read_text(encoding="utf-8")) == []


def test_the_form_scan_finds_a_form_without_the_token():
    assert forms_without_token('<form method="post" action="/x"><button></button></form>')
    assert not forms_without_token('<form method="get"><input name="q"></form>')
    assert not forms_without_token('<form method="POST">{% csrf_token %}</form>')


def _csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_every_browser_post_without_the_token_is_refused(owner):
    client = _csrf_client(owner)
    urls = tenant_page_urls(make_tenant(owner))
    for url in urls:
        response = client.post(url, {})
        assert response.status_code == 403, url
        assert b"CSRF" in response.content, url
    assert len(urls) > 40


def test_feed_uploads_check_the_token_after_installing_their_size_limit(owner):
    # The two upload views are csrf_exempt only to check the token themselves, later.
    tenant = make_tenant(owner)
    client = _csrf_client(owner)
    for name in ("feeds:upload", "feeds:build"):
        url = reverse(name, args=[tenant.seller.pk])
        response = client.post(url, {"feed_type": "_POST_INVENTORY_AVAILABILITY_DATA_"})
        assert response.status_code == 403, url
    assert tenant.seller.feed_submissions.count() == 1, "nothing new was stored"


def test_every_admin_post_without_the_token_is_refused(admin_client, owner):
    make_tenant(owner)
    admin_client.handler.enforce_csrf_checks = True
    for url in admin_page_urls():
        assert admin_client.post(url, {}).status_code == 403, url


def test_anonymous_forms_refuse_a_post_without_the_token():
    client = Client(enforce_csrf_checks=True)
    for name in ("login", "signup", "password_reset", "verify_email_resend"):
        assert client.post(reverse(name), {}).status_code == 403, name
    assert client.post("/admin/login/", {}).status_code == 403


class _HxHeaders(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headers: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.headers = json.loads(dict(attrs).get("hx-headers") or "{}")


def test_htmx_requests_carry_the_token_and_a_post_with_only_the_header_succeeds(owner):
    tenant = make_tenant(owner)
    client = _csrf_client(owner)
    page = client.get(reverse("reports:seller", args=[tenant.seller.pk]))
    parser = _HxHeaders()
    parser.feed(page.content.decode())
    assert parser.headers is not None, "the page has a <body hx-headers=...>"
    token = parser.headers["X-CSRFToken"]

    # What htmx sends: the form fields without a csrfmiddlewaretoken, the token as a header.
    url = reverse("reports:settings", args=[tenant.seller.pk])
    response = client.post(
        url, {"acknowledge_downloads": "on"}, headers={"X-CSRFToken": token, "HX-Request": "true"}
    )
    assert response.status_code == 302
    assert SellerReportSettings.objects.get(seller=tenant.seller).acknowledge_downloads

    refused = client.post(url, {}, headers={"X-CSRFToken": "x" * len(token), "HX-Request": "true"})
    assert refused.status_code == 403


def test_a_browser_session_does_not_authenticate_the_api(owner_client, owner):
    # The API takes API keys only: a logged-in browser cannot be made to call it from
    # another site, so the API needs no CSRF token.
    tenant = make_tenant(owner)
    url = reverse("api:feeds", kwargs={"seller_pk": tenant.seller.pk})
    response = owner_client.post(url, b"<AmazonEnvelope/>", content_type="text/xml")
    assert response.status_code == 401
    assert tenant.seller.feed_submissions.count() == 1
