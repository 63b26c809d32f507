"""Streamed downloads (Content-MD5 verified, fail closed) and streamed feed uploads."""

from __future__ import annotations

import gzip
import io
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from mwsclient.client import DownloadResult, MWSClient
from mwsclient.errors import (
    ChecksumMismatchError,
    FeedChangedError,
    InvalidParameterError,
    NotReadyError,
    TransportError,
)
from mwsclient.operations import get_operation
from mwsclient.results import SubmitFeedResult
from mwsclient.signing import sign, string_to_sign

from .conftest import AUTH_TOKEN, SECRET_KEY, SELLER
from .fixtures import error_fixture, fixture
from .server import Received, Reply, ScriptedServer, generated_bytes, md5_b64

MakeClient = Callable[..., MWSClient]

REPORT = (
    "\ufeffitem-name\tlisting-id\tseller-sku\tprice\tquantity\n"
    "Caf\u00e9 mug \u2615\t0612ZN3VQ4H\tMUG-1\t12.99\t4\n"
).encode()


def report_reply(
    body: bytes = REPORT, *, cut_after: int | None = None, chunked: bool = False, **headers: str
) -> Reply:
    return Reply(
        200,
        body,
        {
            "Content-Type": "text/plain;charset=UTF-8",
            "Content-MD5": md5_b64(body),
            "x-amz-request-id": "amz-rid",
            "x-mws-request-id": "amz-rid",
            **headers,
        },
        cut_after=cut_after,
        chunked=chunked,
    )


def download(client: MWSClient, sink: io.BytesIO | object, report_id: str = "21175694446018424"):
    return client.download(
        "GetReport",
        seller_id=SELLER,
        auth_token=AUTH_TOKEN,
        params={"ReportId": report_id},
        sink=sink,
    )


def test_download_with_matching_md5(server: ScriptedServer, make_client: MakeClient) -> None:
    server.reply(report_reply(chunked=True))
    sink = io.BytesIO()
    result = download(make_client(), sink)
    assert sink.getvalue() == REPORT
    assert result.bytes_written == len(REPORT)
    assert result.md5 == md5_b64(REPORT)
    assert (result.content_type, result.charset) == ("text/plain", "UTF-8")
    assert result.request_id == "amz-rid"
    (request,) = server.received
    assert request.path == "/Reports/2009-01-01"
    assert request.form["Action"] == "GetReport"
    assert request.form["ReportId"] == "21175694446018424"
    assert request.headers["Accept-Encoding"] == "identity"


def test_download_with_wrong_md5(server: ScriptedServer, make_client: MakeClient) -> None:
    server.reply(report_reply(**{"Content-MD5": md5_b64(b"something else")}))
    with pytest.raises(ChecksumMismatchError) as caught:
        download(make_client(), io.BytesIO())
    assert caught.value.expected == md5_b64(b"something else")
    assert caught.value.actual == md5_b64(REPORT)
    assert caught.value.bytes_written == len(REPORT)
    # A mismatch is the caller's to retry (into a fresh file): the client sent one request.
    assert len(server.received) == 1


def test_download_without_md5_fails_closed(server: ScriptedServer, make_client: MakeClient) -> None:
    reply = report_reply()
    del reply.headers["Content-MD5"]
    server.reply(reply)
    with pytest.raises(ChecksumMismatchError, match="no Content-MD5"):
        download(make_client(), io.BytesIO())


def test_download_keeps_the_wire_bytes(server: ScriptedServer, make_client: MakeClient) -> None:
    """A body sent compressed anyway is stored as sent, never silently inflated."""
    compressed = gzip.compress(REPORT)
    server.reply(report_reply(compressed, **{"Content-Encoding": "gzip"}))
    sink = io.BytesIO()
    download(make_client(), sink)
    assert sink.getvalue() == compressed


def test_download_error_is_an_mws_error(server: ScriptedServer, make_client: MakeClient) -> None:
    server.reply(Reply(400, error_fixture("ReportNotReady")))
    sink = io.BytesIO()
    with pytest.raises(NotReadyError):
        download(make_client(), sink)
    assert sink.getvalue() == b""


def test_interrupted_download_is_retried_into_a_rewound_sink(
    server: ScriptedServer, make_client: MakeClient, sleeps: list[float]
) -> None:
    server.reply(report_reply(cut_after=20), report_reply())
    sink = io.BytesIO(b"KEEP")
    sink.seek(4)
    result = download(make_client(), sink)
    assert sink.getvalue() == b"KEEP" + REPORT
    assert result.bytes_written == len(REPORT)
    assert len(sleeps) == 1


class ForwardOnly(io.RawIOBase):
    """A sink that cannot be rewound, like a pipe."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, chunk: bytes) -> int:  # type: ignore[override]
        self.data += chunk
        return len(chunk)


def test_interrupted_download_into_a_pipe_is_not_retried(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    server.reply(report_reply(cut_after=20), report_reply())
    with pytest.raises(TransportError):
        download(make_client(), ForwardOnly())
    assert len(server.received) == 1


def test_feed_result_download(server: ScriptedServer, make_client: MakeClient) -> None:
    body = b'<?xml version="1.0" encoding="UTF-8"?><AmazonEnvelope/>'
    server.reply(report_reply(body, **{"Content-Type": "text/xml;charset=UTF-8"}))
    sink = io.BytesIO()
    result = make_client().download(
        "GetFeedSubmissionResult",
        seller_id=SELLER,
        params={"FeedSubmissionId": "51793018437"},
        sink=sink,
    )
    assert sink.getvalue() == body
    assert (result.content_type, result.charset) == ("text/xml", "UTF-8")
    assert server.received[0].path == "/Feeds/2009-01-01"


def _submit(client: MWSClient, source, **kwargs):
    options = {"seller_id": SELLER, "auth_token": AUTH_TOKEN, "feed_type": "_POST_PRODUCT_DATA_"}
    options.update(kwargs)
    return client.submit_feed(source=source, **options)


def assert_upload_signed(request: Received) -> None:
    params = dict(request.query)
    signature = params.pop("Signature")
    text = string_to_sign("POST", request.headers["Host"], request.path, params)
    assert signature == sign(text, SECRET_KEY)


def test_upload_puts_parameters_in_the_query_and_the_feed_in_the_body(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    feed = (
        b'<?xml version="1.0"?><AmazonEnvelope><MessageType>Product</MessageType></AmazonEnvelope>'
    )
    source = io.BytesIO(b"IGNORED" + feed)
    source.seek(7)
    server.reply(Reply(200, fixture("SubmitFeed.xml")))
    _submit(make_client(), source, marketplace_ids=["A1PA6795UKMFR9", "A1F83G8C2ARO7P"])
    (request,) = server.received
    assert request.path == "/Feeds/2009-01-01"
    assert request.body == feed
    assert request.headers["Content-Type"] == "text/xml"
    assert request.headers["Content-MD5"] == md5_b64(feed)
    assert request.headers["Content-Length"] == str(len(feed))
    assert request.query["ContentMD5Value"] == md5_b64(feed)
    assert request.query["FeedType"] == "_POST_PRODUCT_DATA_"
    assert request.query["Merchant"] == SELLER
    assert request.query["MarketplaceIdList.Id.2"] == "A1F83G8C2ARO7P"
    assert "PurgeAndReplace" not in request.query
    assert_upload_signed(request)
    assert source.tell() == 7


@pytest.mark.parametrize(
    ("marketplace", "content_type"),
    [
        ("DE", "text/tab-separated-values; charset=iso-8859-1"),
        ("JP", "text/tab-separated-values; charset=Shift_JIS"),
        ("CN", "text/tab-separated-values; charset=UTF-8"),
    ],
)
def test_flat_file_content_type_follows_the_marketplace(
    server: ScriptedServer, make_client: MakeClient, marketplace: str, content_type: str
) -> None:
    server.reply(Reply(200, fixture("SubmitFeed.xml")))
    _submit(
        make_client(),
        io.BytesIO(b"sku\tprice\tquantity\nMUG-1\t12.99\t4\n"),
        feed_type="_POST_FLAT_FILE_LISTINGS_DATA_",
        purge_and_replace=True,
        marketplace=marketplace,
    )
    (request,) = server.received
    assert request.headers["Content-Type"] == content_type
    assert request.query["PurgeAndReplace"] == "true"


def test_explicit_content_type_and_binary_feeds(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    server.reply(Reply(200, fixture("SubmitFeed.xml")), Reply(200, fixture("SubmitFeed.xml")))
    client = make_client()
    _submit(
        client,
        io.BytesIO(b"%PDF-1.4"),
        feed_type="_UPLOAD_VAT_INVOICE_",
        feed_options={"orderid": "1"},
    )
    _submit(client, io.BytesIO(b"<x/>"), content_type="text/xml; charset=UTF-8")
    assert server.received[0].headers["Content-Type"] == "application/octet-stream"
    assert server.received[0].query["FeedOptions"] == "metadata:orderid=1"
    assert server.received[1].headers["Content-Type"] == "text/xml; charset=UTF-8"


def test_upload_validation(server: ScriptedServer, make_client: MakeClient) -> None:
    client = make_client()
    with pytest.raises(InvalidParameterError, match="PurgeAndReplace"):
        _submit(client, io.BytesIO(b"<x/>"), purge_and_replace=True)
    with pytest.raises(InvalidParameterError, match="FeedType"):
        _submit(client, io.BytesIO(b"<x/>"), feed_type="_POST_EVERYTHING_")
    with pytest.raises(InvalidParameterError, match="empty"):
        _submit(client, io.BytesIO(b""))
    with pytest.raises(InvalidParameterError, match="seekable"):
        _submit(client, ForwardOnly())
    with pytest.raises(InvalidParameterError, match="request line"):
        _submit(
            client, io.BytesIO(b"%PDF"), feed_type="_UPLOAD_VAT_INVOICE_", feed_options="x" * 9000
        )
    assert server.received == []


def test_large_upload_streams_with_flat_memory(
    server: ScriptedServer, make_client: MakeClient, tmp_path: Path
) -> None:
    size = 64 * 1024 * 1024
    path = tmp_path / "big-feed.txt"
    with path.open("wb") as out:
        for chunk in generated_bytes(size):
            out.write(chunk)
    server.reply(Reply(200, fixture("SubmitFeed.xml")))
    client = make_client()
    with path.open("rb") as source:
        tracemalloc.start()
        try:
            _submit(client, source, feed_type="_POST_FLAT_FILE_INVLOADER_DATA_")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        expected_md5 = md5_b64(path.read_bytes())
    (request,) = server.received
    assert request.body_size == size
    assert request.body_md5 == expected_md5
    assert request.query["ContentMD5Value"] == expected_md5
    # Python allocations of client and (chunk-reading) server together, for a 64 MiB feed.
    assert peak < 8 * 1024 * 1024


class _ChangesOnceHashed(io.BytesIO):
    """A stored feed that is overwritten (by another process, a failing disk) right after the
    client has hashed it, before it streams."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self._size = len(data)
        self._read = 0
        self.changed = False

    def read(self, amount: int | None = -1) -> bytes:
        if self._read >= self._size and not self.changed:
            position = self.tell()
            self.seek(self._size - 1)
            self.write(b"#")
            self.seek(position)
            self.changed = True
        chunk = super().read(amount)
        self._read += len(chunk)
        return chunk


def test_the_stored_md5_is_sent(server: ScriptedServer, make_client: MakeClient) -> None:
    feed = b'<?xml version="1.0"?><AmazonEnvelope/>'
    server.reply(Reply(200, fixture("SubmitFeed.xml")))
    _submit(make_client(), io.BytesIO(feed), content_md5=md5_b64(feed))
    (request,) = server.received
    assert request.query["ContentMD5Value"] == request.headers["Content-MD5"] == md5_b64(feed)
    assert request.body == feed


def test_a_file_that_no_longer_matches_its_stored_md5_is_never_sent(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    stored = md5_b64(b"the feed as it was uploaded")
    server.reply(Reply(200, fixture("SubmitFeed.xml")))
    with pytest.raises(FeedChangedError, match="nothing was sent") as caught:
        _submit(make_client(), io.BytesIO(b"the feed as it is now"), content_md5=stored)
    assert (caught.value.expected, caught.value.actual) == (
        stored,
        md5_b64(b"the feed as it is now"),
    )
    assert server.received == []


def test_a_file_that_changes_while_it_streams_is_cut_off_before_its_last_block(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    feed = b"".join(generated_bytes(200_000))
    source = _ChangesOnceHashed(feed)
    server.reply(Reply(reset=True))
    with pytest.raises(FeedChangedError, match="cut off before its last block"):
        _submit(make_client(), source, content_md5=md5_b64(feed))
    assert source.changed
    # The server reads what arrived until the client closes the connection.
    deadline = time.monotonic() + 5
    while not server.received and time.monotonic() < deadline:
        time.sleep(0.01)
    (request,) = server.received
    assert request.headers["Content-Length"] == str(len(feed))
    assert request.body_size < len(feed)


def test_one_send_path_takes_every_kind_of_operation(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    client = make_client()
    common = {"seller_id": SELLER, "auth_token": AUTH_TOKEN}
    server.reply(report_reply())
    sink = io.BytesIO()
    downloaded = client.send(
        get_operation("GetReport"), params={"ReportId": "1"}, sink=sink, **common
    )
    assert isinstance(downloaded, DownloadResult)
    assert sink.getvalue() == REPORT
    feed = b"<AmazonEnvelope/>"
    server.reply(Reply(200, fixture("SubmitFeed.xml")))
    submitted = client.send(
        get_operation("SubmitFeed"),
        params={"FeedType": "_POST_PRODUCT_DATA_", "ContentMD5Value": md5_b64(feed)},
        source=io.BytesIO(feed),
        **common,
    )
    assert not isinstance(submitted, DownloadResult)
    assert isinstance(submitted.result, SubmitFeedResult)
    assert server.received[-1].query["ContentMD5Value"] == md5_b64(feed)


def test_the_send_path_names_what_a_download_or_an_upload_lacks(make_client: MakeClient) -> None:
    client = make_client()
    with pytest.raises(InvalidParameterError, match="sink"):
        client.send(get_operation("GetReport"), seller_id=SELLER, params={"ReportId": "1"})
    with pytest.raises(InvalidParameterError, match="source"):
        client.send(
            get_operation("SubmitFeed"),
            seller_id=SELLER,
            params={"FeedType": "_POST_PRODUCT_DATA_"},
        )
