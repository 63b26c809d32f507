"""What the security suite shares: the browser routes of the portal (walked from the URL
resolver), a tenant's objects for each of them, the admin pages and the inline-script scanner."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template import engines
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from feeds.models import FeedSubmission
from notifications import services as notifications
from notifications.models import Kind, Notice
from partners.models import Grant, Partner
from reports import ingest
from reports.models import Report, ReportRequest, ReportSchedule, Settlement
from sellers.models import Seller
from tests.factories import (
    FeedMessageResultFactory,
    FeedSubmissionFactory,
    ReportFactory,
    ReportRequestFactory,
    SellerFactory,
    SellerMarketplaceFactory,
)
from tests.unit.reports.report_data import SETTLEMENT, settlement_body

# Served to staff by Django (their own permission checks) and to partners by API key; the
# sweeps over browser pages leave them to their own tests.
NOT_BROWSER_PAGES = ("admin", "api")


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    route: str  # the pattern, e.g. "sellers/<int:pk>/"
    kwargs: tuple[str, ...]
    int_kwargs: tuple[str, ...]


def _walk(patterns: list, prefix: str, namespace: str | None) -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            if inner in NOT_BROWSER_PAGES or (inner is None and entry.app_name == "admin"):
                continue
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            converters = entry.pattern.converters
            name = f"{namespace}:{entry.name}" if namespace else str(entry.name)
            yield Route(
                name=name,
                route=prefix + str(entry.pattern),
                kwargs=tuple(converters),
                int_kwargs=tuple(
                    kwarg
                    for kwarg, converter in converters.items()
                    if type(converter).__name__ == "IntConverter"
                ),
            )


def browser_routes() -> list[Route]:
    """Every URL pattern of the server-rendered UI, found by walking the resolver, so a page
    added tomorrow is in every sweep without anyone listing it."""
    return list(_walk(get_resolver().url_patterns, "", None))


@pytest.fixture(autouse=True)
def _private_media(media: Path) -> Path:
    return media


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    # Login lockouts and rate counters live in the cache; each test starts without any.
    cache.clear()
    yield
    cache.clear()


@dataclass
class Tenant:
    """One user's objects: one of each kind a browser URL can name."""

    seller: Seller
    grant: Grant
    report_request: ReportRequest
    report: Report
    schedule: ReportSchedule
    feed: FeedSubmission
    settlement: Settlement
    notice: Notice


REPORT_BODY = b"item-name\tseller-sku\tprice\nWidget\tSKU-1\t3.00\n"


def make_tenant(user: object) -> Tenant:
    seller = SellerFactory(owner=user)
    SellerMarketplaceFactory(seller=seller)
    partner, _ = Partner.objects.get_or_create(name="Sweep Partner")
    grant = Grant.objects.create(partner=partner, seller=seller, scopes=["read_reports"])
    report_request = ReportRequestFactory(seller=seller, status="done")
    report = ReportFactory(seller=seller, request=report_request, body=REPORT_BODY)
    ingest.ingest_report(report)
    settled = ReportFactory(
        seller=seller, report_type=SETTLEMENT, body=settlement_body(), charset="UTF-8"
    )
    ingest.ingest_report(settled)
    schedule = ReportSchedule.objects.create(
        seller=seller, report_type="_GET_FLAT_FILE_OPEN_LISTINGS_DATA_", schedule="_1_DAY_"
    )
    feed = FeedSubmissionFactory(
        seller=seller,
        state="complete",
        feed_submission_id=f"5000{seller.pk:06d}",
        processing_status="_DONE_",
    )
    feed.report_file = default_storage.save(
        f"feeds/{seller.pk}/processing-report.xml", ContentFile(b"<ProcessingReport/>")
    )
    feed.report_content_type = "text/xml"
    feed.save()
    FeedMessageResultFactory(submission=feed)
    notice = notifications.notify(seller, Kind.REPORT_READY, title="Sweep report is ready")
    return Tenant(seller, grant, report_request, report, schedule, feed, settled.settlement, notice)


# For each route that takes an id: the URL arguments naming the owner's object.
OBJECT_ROUTES: dict[str, Callable[[Tenant], dict[str, int | str]]] = {
    "sellers:dashboard": lambda t: {"pk": t.seller.pk},
    "sellers:settings": lambda t: {"pk": t.seller.pk},
    "sellers:verify": lambda t: {"pk": t.seller.pk},
    "sellers:replace_token": lambda t: {"pk": t.seller.pk},
    "sellers:remove": lambda t: {"pk": t.seller.pk},
    "partners:grant_partner": lambda t: {"pk": t.seller.pk},
    "partners:revoke_grant": lambda t: {"pk": t.seller.pk, "grant_pk": t.grant.pk},
    "sellers:activity": lambda t: {"pk": t.seller.pk},
    "sellers:request_history": lambda t: {"pk": t.seller.pk},
    "sellers_moved:request_history": lambda t: {"pk": t.seller.pk},
    "reports:seller": lambda t: {"seller_pk": t.seller.pk},
    "reports:request_new": lambda t: {"seller_pk": t.seller.pk},
    "reports:sync": lambda t: {"seller_pk": t.seller.pk},
    "reports:settings": lambda t: {"seller_pk": t.seller.pk},
    "reports:schedules": lambda t: {"seller_pk": t.seller.pk},
    "reports:refresh_schedules": lambda t: {"seller_pk": t.seller.pk},
    "reports:delete_schedule": lambda t: {"pk": t.schedule.pk},
    "reports:request": lambda t: {"pk": t.report_request.pk},
    "reports:request_status": lambda t: {"pk": t.report_request.pk},
    "reports:cancel": lambda t: {"pk": t.report_request.pk},
    "reports:download": lambda t: {"pk": t.report.pk},
    "reports:preview": lambda t: {"pk": t.report.pk},
    "reports:retry_download": lambda t: {"pk": t.report.pk},
    "reports:rows": lambda t: {"pk": t.report.pk},
    "reports:export_csv": lambda t: {"pk": t.report.pk},
    "reports:export_xlsx": lambda t: {"pk": t.report.pk},
    "reports:settlement": lambda t: {"pk": t.settlement.pk},
    "reports:dashboard": lambda t: {"seller_pk": t.seller.pk},
    "feeds:seller": lambda t: {"seller_pk": t.seller.pk},
    "feeds:seller_table": lambda t: {"seller_pk": t.seller.pk},
    "feeds:upload": lambda t: {"seller_pk": t.seller.pk},
    "feeds:build": lambda t: {"seller_pk": t.seller.pk},
    "feeds:detail": lambda t: {"pk": t.feed.pk},
    "feeds:status": lambda t: {"pk": t.feed.pk},
    "feeds:submit": lambda t: {"pk": t.feed.pk},
    "feeds:cancel": lambda t: {"pk": t.feed.pk},
    "feeds:discard": lambda t: {"pk": t.feed.pk},
    "feeds:original": lambda t: {"pk": t.feed.pk},
    "feeds:report": lambda t: {"pk": t.feed.pk},
    "feeds:results_csv": lambda t: {"pk": t.feed.pk},
    "feeds:failed_rows": lambda t: {"pk": t.feed.pk},
    "feeds:sample": lambda t: {"seller_pk": t.seller.pk, "feed_type": "_POST_PRODUCT_DATA_"},
    "notifications:mark_read": lambda t: {"pk": t.notice.pk},
}

# Pages a visitor reaches before logging in. Every other browser URL must send them to login.
PUBLIC_ROUTES = {
    "healthz",
    "login",
    "logout",
    "signup",
    "signup_done",
    "verify_email_resend",
    "verify_email",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}
# URL arguments that are not object ids, with a value each route accepts.
OTHER_ARGUMENTS = {
    "region": "NA",
    "uidb64": "MQ",
    "token": "set-password",
    "feed_type": "_POST_PRODUCT_DATA_",
}


def route_arguments(route: Route) -> dict[str, object]:
    """URL arguments that resolve, for routes whose objects need not exist (id 1)."""
    return {
        kwarg: (1 if kwarg in route.int_kwargs else OTHER_ARGUMENTS[kwarg])
        for kwarg in route.kwargs
    }


def tenant_page_urls(tenant: Tenant) -> list[str]:
    """A URL for every browser page, naming ``tenant``'s objects where a page takes an id."""
    urls = []
    for route in browser_routes():
        if route.name in OBJECT_ROUTES:
            kwargs = OBJECT_ROUTES[route.name](tenant)
        else:
            kwargs = route_arguments(route)
        urls.append(reverse(route.name, kwargs=kwargs))
    return urls


class _ScriptFinder(HTMLParser):
    """Finds what a Content Security Policy without 'unsafe-inline' would block or what would
    need it: inline script bodies, on* event handler attributes and javascript: URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> event handler attribute")
            if value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value!r}> javascript: URL")
        if tag == "script":
            values = dict(attrs)
            # A JSON data block (json_script) is never executed.
            is_data = (values.get("type") or "").lower() == "application/json"
            self._in_script = None if is_data else ("src" if values.get("src") else "inline")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"inline <script> body: {data.strip()[:80]!r}")


def inline_script_problems(html: str) -> list[str]:
    finder = _ScriptFinder()
    finder.feed(html)
    finder.close()
    return finder.problems


def admin_page_urls() -> list[str]:
    """The list and add page of every model in the admin, and the change page of its first
    row when there is one."""
    urls = [reverse("admin:index")]
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        urls.append(reverse("admin:{}_{}_add".format(*info)))
        first = model_admin.get_queryset(RequestFactory().get("/")).first()
        if first is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
    return urls


@pytest.fixture
def admin_client(make_user) -> Client:
    user = make_user("root@example.com", staff=True)
    user.is_superuser = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


def our_templates() -> list[Path]:
    """Every template the project ships: the templates folder and each app of ours, never
    the installed packages'."""
    root = Path(settings.BASE_DIR)
    folders = [
        Path(folder)
        for folder in engines["django"].template_dirs
        if Path(folder).is_relative_to(root) and ".venv" not in Path(folder).parts
    ]
    return sorted(path for folder in folders for path in folder.rglob("*.html"))
