"""Hostile XML and oversized files, at every place that parses XML or accepts a file.

The places: the MWS client's answers and error answers (mws/xmlparse), the feed checks
behind the browser upload and the API upload (raw body and multipart), the processing
report parser, the report preview, the report reader (XML settlements and orders), and the
sandbox's own feed processing. Each must refuse
an XXE, a billion-laughs document, an external DTD or parameter entity and an oversized
document with a clear error, and never expand an entity, read a local file or open a
connection. The feed builder's CSV upload is size-limited too.
"""

from __future__ import annotations

import io
import re
import threading
import xml.sax
import xml.sax.handler
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from lxml import etree
from rest_framework.test import APIClient

from feeds.checks import FeedRefused, check_feed
from feeds.processing_report import UnreadableReport, parse_processing_report
from feeds.resubmit import failed_rows
from mwsclient.client import Credentials, MWSClient
from mwsclient.errors import InvalidResponseError
from mwssandbox.feedproc import process_feed
from partners import services as partner_services
from partners.models import Grant, Partner
from reports import preview as preview_module
from reports.preview import preview_report
from reports.reading import UnsafeXML, read_report
from tests.factories import (
    FeedMessageResultFactory,
    FeedSubmissionFactory,
    ReportFactory,
    SellerFactory,
    SellerMarketplaceFactory,
)
from tests.unit.mws.server import Reply, ScriptedServer

INVENTORY = "_POST_INVENTORY_AVAILABILITY_DATA_"
MESSAGE = (
    "<Header><DocumentVersion>1.01</DocumentVersion><MerchantIdentifier>M</MerchantIdentifier>"
    "</Header><MessageType>Inventory</MessageType><Message><MessageID>1</MessageID>"
    "<Inventory><SKU>{sku}</SKU><Quantity>1</Quantity></Inventory></Message>"
)


class Trap:
    """A loopback HTTP server that counts every request: a parser that fetches a DTD or an
    entity shows up here."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        trap = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, fmt: str, *args: object) -> None:
                """Quiet."""

            def do_GET(self) -> None:
                trap.hits.append(self.path)
                body = b'<!ENTITY leak "FETCHED-OVER-THE-NETWORK">'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture(scope="module")
def trap() -> Iterator[Trap]:
    running = Trap()
    yield running
    running.close()


SECRET_TEXT = "LOCAL-FILE-CONTENT-7f3a"


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET_TEXT)
    return path


def hostile_documents(trap_url: str, secret_path: Path) -> dict[str, bytes]:
    envelope = "<AmazonEnvelope>" + MESSAGE + "</AmazonEnvelope>"
    laughs = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
        for n in range(1, 10)
    )
    return {
        "xxe-local-file": (
            f'<?xml version="1.0"?><!DOCTYPE AmazonEnvelope [<!ENTITY x SYSTEM '
            f'"file://{secret_path}">]>' + envelope.format(sku="&x;")
        ).encode(),
        "xxe-over-the-network": (
            f'<?xml version="1.0"?><!DOCTYPE AmazonEnvelope [<!ENTITY x SYSTEM '
            f'"{trap_url}/entity">]>' + envelope.format(sku="&x;")
        ).encode(),
        "billion-laughs": (
            f'<?xml version="1.0"?><!DOCTYPE AmazonEnvelope [{laughs}]>'
            + envelope.format(sku="&lol9;")
        ).encode(),
        "external-dtd": (
            f'<?xml version="1.0"?><!DOCTYPE AmazonEnvelope SYSTEM "{trap_url}/evil.dtd">'
            + envelope.format(sku="&leak;")
        ).encode(),
        "parameter-entity": (
            f'<?xml version="1.0"?><!DOCTYPE AmazonEnvelope [<!ENTITY % p SYSTEM '
            f'"{trap_url}/p.dtd"> %p;]>' + envelope.format(sku="&leak;")
        ).encode(),
    }


# What may never come out of a refusal or a stored row: the file's text, a fetched entity,
# an expanded laugh.
NEVER = (SECRET_TEXT, "FETCHED-OVER-THE-NETWORK", "lollollol")


@dataclass
class Place:
    """One place that reads XML from outside. ``refuse`` hands it a document and returns the
    error it gave; it fails the test if the document was taken."""

    name: str
    refuse: Callable[[bytes], str]


class Accepted(AssertionError):
    pass


# ---- the places ---------------------------------------------------------------------------


def _mws_client(server: ScriptedServer) -> MWSClient:
    return MWSClient(
        Credentials("AKIAIOSFODNN7EXAMPLE", "secret"),
        endpoint=server.url,
        app_name="tests",
        app_version="1",
        sleep=lambda seconds: None,
        retry_policy=None,
        timeout=5,
    )


def _mws_answer(status: int) -> Callable[[bytes], str]:
    def refuse(document: bytes) -> str:
        server = ScriptedServer()
        server.reply(Reply(status=status, body=document, headers={"Content-Type": "text/xml"}))
        try:
            with _mws_client(server) as client:
                client.call("GetServiceStatus", seller_id="A1SELLER")
        except InvalidResponseError as error:
            return str(error)
        finally:
            server.close()
        raise Accepted

    return refuse


def _feed_checks(document: bytes) -> str:
    try:
        check_feed(io.BytesIO(document), INVENTORY, "NA")
    except FeedRefused as refusal:
        return str(refusal)
    raise Accepted


def _processing_report(document: bytes) -> str:
    try:
        parse_processing_report(io.BytesIO(document), "UTF-8")
    except UnreadableReport as refusal:
        return str(refusal)
    raise Accepted


def _report_preview(document: bytes) -> str:
    report = ReportFactory(
        report_type="_GET_XML_BROWSE_TREE_DATA_", content_type="text/xml", body=document
    )
    preview = preview_report(report)
    if not preview.refused:
        raise Accepted(preview.text)
    return preview.refused


def _report_reading(report_type: str) -> Callable[[bytes], str]:
    def refuse(document: bytes) -> str:
        try:
            reading = read_report(report_type, io.BytesIO(document))
            rows = list(reading)
        except UnsafeXML as refusal:
            return str(refusal)
        if not reading.problems:
            raise Accepted(rows)
        return " ".join(problem.reason for problem in reading.problems)

    return refuse


def _feed_failed_rows(owner) -> Callable[[bytes], str]:
    """The "fix and resubmit" download of a stored original the storage was tampered with."""

    def refuse(document: bytes) -> str:
        feed = FeedSubmissionFactory(
            seller=SellerFactory(owner=owner), state="complete", body=document
        )
        FeedMessageResultFactory(submission=feed, message_id=1)
        try:
            blocks = failed_rows(feed)
        except FeedRefused as refusal:
            return str(refusal)
        raise Accepted(b"".join(blocks))

    return refuse


def _sandbox_feed_processing(tmp_path: Path) -> Callable[[bytes], str]:
    def refuse(document: bytes) -> str:
        body = tmp_path / "feed.xml"
        body.write_bytes(document)
        outcome = process_feed(
            INVENTORY,
            body,
            content_type="text/xml",
            catalogues={},
            purge_and_replace=False,
            submission_id="50001",
        )
        errors = [r.description for r in outcome.results if r.result_code == "Error"]
        if not errors or outcome.messages_successful:
            raise Accepted(outcome.document.decode())
        return " ".join(errors) + outcome.document.decode()

    return refuse


def _browser_upload(owner) -> Callable[[bytes], str]:
    seller = SellerFactory(owner=owner)
    SellerMarketplaceFactory(seller=seller)
    client = Client()
    client.force_login(owner)

    def refuse(document: bytes) -> str:
        response = client.post(
            reverse("feeds:upload", args=[seller.pk]),
            {
                "feed_type": INVENTORY,
                "marketplaces": ["ATVPDKIKX0DER"],
                "file": SimpleUploadedFile("feed.xml", document, "text/xml"),
            },
        )
        assert not seller.feed_submissions.exists()
        if response.status_code == 413:  # the whole request over the cap, refused unread
            return response.context["message"]
        if response.status_code != 400:
            raise Accepted(response.status_code)
        return " ".join(response.context["form"].errors["file"])

    return refuse


def _api_upload(owner, *, multipart: bool) -> Callable[[bytes], str]:
    seller = SellerFactory(owner=owner)
    SellerMarketplaceFactory(seller=seller)
    partner = Partner.objects.create(name=f"Uploads {multipart}")
    partner_services.grant_partner(seller, partner, scopes=[Grant.Scope.SUBMIT_FEEDS])
    _, key = partner_services.create_api_key(partner, name="tests")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    url = reverse("api:feeds", kwargs={"seller_pk": seller.pk})

    def refuse(document: bytes) -> str:
        if multipart:
            response = api.post(
                url,
                {"feed_type": INVENTORY, "file": SimpleUploadedFile("f.xml", document)},
                format="multipart",
            )
        else:
            response = api.post(f"{url}?feed_type={INVENTORY}", document, content_type="text/xml")
        if response.status_code not in (400, 413):
            raise Accepted(response.status_code)
        assert not seller.feed_submissions.exists()
        return response.content.decode()

    return refuse


PLACES = [
    "mws-answer",
    "mws-error-answer",
    "feed-checks",
    "browser-upload",
    "api-upload-raw",
    "api-upload-multipart",
    "processing-report",
    "report-preview",
    "report-reading-settlement",
    "report-reading-orders",
    "sandbox-feed-processing",
    "feed-failed-rows",
]


@pytest.fixture
def place(request, db, media, owner, tmp_path) -> Place:
    name = request.param
    refuse = {
        "mws-answer": lambda: _mws_answer(200),
        "mws-error-answer": lambda: _mws_answer(400),
        "feed-checks": lambda: _feed_checks,
        "browser-upload": lambda: _browser_upload(owner),
        "api-upload-raw": lambda: _api_upload(owner, multipart=False),
        "api-upload-multipart": lambda: _api_upload(owner, multipart=True),
        "processing-report": lambda: _processing_report,
        "report-preview": lambda: _report_preview,
        "report-reading-settlement": lambda: _report_reading("_GET_V2_SETTLEMENT_REPORT_DATA_XML_"),
        "report-reading-orders": lambda: _report_reading("_GET_XML_ALL_ORDERS_DATA_BY_ORDER_DATE_"),
        "sandbox-feed-processing": lambda: _sandbox_feed_processing(tmp_path),
        "feed-failed-rows": lambda: _feed_failed_rows(owner),
    }[name]()
    return Place(name, refuse)


HOSTILE = [
    "xxe-local-file",
    "xxe-over-the-network",
    "billion-laughs",
    "external-dtd",
    "parameter-entity",
]


@pytest.mark.parametrize("kind", HOSTILE)
@pytest.mark.parametrize("place", PLACES, indirect=True)
def test_hostile_xml_is_refused_without_expanding_or_fetching(place, kind, trap, secret_file):
    document = hostile_documents(trap.url, secret_file)[kind]
    hits_before = len(trap.hits)

    error = place.refuse(document)

    assert "DOCTYPE" in error or "DTD" in error, f"{place.name} says why: {error[:300]}"
    assert not [text for text in NEVER if text in error]
    assert len(trap.hits) == hits_before, f"{place.name} fetched {trap.hits[hits_before:]}"


LIMIT = 64 * 1024
# Where a byte limit applies, and how the test lowers it to LIMIT.
BYTE_LIMITS = {
    "mws-answer": "mwsclient.client.MAX_XML_ANSWER",
    "mws-error-answer": "mwsclient.client.MAX_ERROR_BODY",
    "processing-report": "feeds.processing_report.MAX_XML_BYTES",
    "browser-upload": "FEED_UPLOAD_MAX_BYTES",
    "api-upload-raw": "FEED_UPLOAD_MAX_BYTES",
    "api-upload-multipart": "FEED_UPLOAD_MAX_BYTES",
}
# These read a feed of up to 2 GiB as a stream, holding one message at a time; what could
# still grow without bound is a single text node, which libxml2 caps at 10 MB (huge_tree off).
STREAMING = [
    "feed-checks",
    "sandbox-feed-processing",
    "report-reading-settlement",
    "report-reading-orders",
]


def _large_envelope(size: int) -> bytes:
    message = (
        "<Message><MessageID>{n}</MessageID><Inventory><SKU>SKU-{n}</SKU>"
        "<Quantity>1</Quantity></Inventory></Message>"
    )
    head = (
        '<?xml version="1.0"?><AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion>'
        "<MerchantIdentifier>M</MerchantIdentifier></Header><MessageType>Inventory</MessageType>"
    )
    parts, total, n = [head], len(head), 0
    while total < size:
        n += 1
        parts.append(message.format(n=n))
        total += len(parts[-1])
    return ("".join(parts) + "</AmazonEnvelope>").encode()


@pytest.mark.parametrize("place", list(BYTE_LIMITS), indirect=True)
def test_a_document_over_the_limit_is_refused_with_the_reason(place, monkeypatch, settings):
    limit = BYTE_LIMITS[place.name]
    if "." in limit:
        monkeypatch.setattr(limit, LIMIT)
    else:
        setattr(settings, limit, LIMIT)
    error = place.refuse(_large_envelope(4 * LIMIT))
    assert "larger than" in error or "more than" in error, f"{place.name}: {error[:300]}"


@pytest.mark.parametrize("place", STREAMING, indirect=True)
def test_a_huge_text_node_is_refused_by_the_streaming_parsers(place):
    document = _large_envelope(1024).replace(b"SKU-1<", b"SKU-" + b"9" * (11 * 1024 * 1024) + b"<")
    error = place.refuse(document)
    assert "huge" in error.lower(), f"{place.name}: {error[:300]}"


@pytest.mark.django_db
def test_the_preview_reads_only_the_head_of_an_oversized_report(media, monkeypatch):
    opened = []
    report = ReportFactory(
        report_type="_GET_XML_BROWSE_TREE_DATA_",
        content_type="text/xml",
        body=_large_envelope(4 * preview_module.PREVIEW_BYTES),
    )
    real_read_head = preview_module._read_head

    def spy(report):
        head, truncated = real_read_head(report)
        opened.append(len(head))
        return head, truncated

    monkeypatch.setattr(preview_module, "_read_head", spy)
    preview = preview_report(report)
    assert preview.truncated
    assert opened == [preview_module.PREVIEW_BYTES]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        ("feeds.forms.MAX_TABLE_BYTES", "a table for the builder is at most"),
        ("FEED_UPLOAD_MAX_BYTES", "larger than the 64 KiB limit"),
    ],
)
def test_the_builders_csv_upload_is_size_limited(
    limit, expected, owner, media, monkeypatch, settings
):
    if "." in limit:
        monkeypatch.setattr(limit, LIMIT)
    else:
        setattr(settings, limit, LIMIT)
    seller = SellerFactory(owner=owner)
    SellerMarketplaceFactory(seller=seller)
    client = Client()
    client.force_login(owner)
    # Over the file limit, but under the cap on the whole request (the limit and 64 KiB), so
    # the form itself answers.
    rows = b"".join(b"SKU-%d,5,2\n" % n for n in range(LIMIT // 4))[: LIMIT + 4096]
    response = client.post(
        reverse("feeds:build", args=[seller.pk]),
        {
            "kind": "inventory",
            "marketplaces": ["ATVPDKIKX0DER"],
            "csv_file": SimpleUploadedFile("rows.csv", rows, "text/csv"),
        },
    )
    assert response.status_code == 400
    assert expected in " ".join(response.context["form"].errors["csv_file"])
    assert not seller.feed_submissions.exists()


# The modules behind the places above. A new module that parses XML fails the suite until
# its place is added to PLACES.
XML_READERS = {
    "mwsclient/xmlparse.py",  # mws-answer, mws-error-answer, processing-report
    "feeds/checks.py",  # feed-checks, browser-upload, api-upload-*
    "reports/preview.py",  # report-preview
    "reports/reading.py",  # report-reading-*
    "mwssandbox/feedproc.py",  # sandbox-feed-processing
    "feeds/resubmit.py",  # feed-failed-rows
}
_PARSES_XML = re.compile(
    r"etree\.(fromstring|parse|iterparse|XML|XMLParser|XMLPullParser|XMLID)\("
    r"|\bxml\.(dom|etree|sax\.(parse|make_parser))|\bminidom\b|\bdefusedxml\b|\bpulldom\b"
)


def test_every_module_that_parses_xml_is_in_the_suite():
    root = Path(settings.BASE_DIR)
    found = {
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if not {".venv", "tests", "bench"} & set(path.relative_to(root).parts)
        and _PARSES_XML.search(path.read_text(encoding="utf-8"))
    }
    assert found == XML_READERS


def test_the_trap_and_the_secret_file_catch_a_parser_that_reaches_out(trap, secret_file):
    # What the suite would see from a parser left with entity loading on. (The libxml2 under
    # lxml here has no HTTP client at all; Python's own SAX parser fetches with urllib.)
    documents = hostile_documents(trap.url, secret_file)
    careless = etree.XMLParser(resolve_entities=True, load_dtd=True)
    local = etree.fromstring(documents["xxe-local-file"], careless)
    assert SECRET_TEXT in etree.tostring(local).decode()

    sax = xml.sax.make_parser()  # noqa: S317 - careless on purpose
    sax.setFeature(xml.sax.handler.feature_external_ges, True)
    hits_before = len(trap.hits)
    # The trap answers with a declaration, which is no entity text: the fetch still happened.
    with pytest.raises(xml.sax.SAXParseException):
        sax.parse(io.BytesIO(documents["xxe-over-the-network"]))
    assert len(trap.hits) == hits_before + 1
