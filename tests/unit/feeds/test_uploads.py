"""Oversized uploads are stopped while they stream in: flat memory, a clear error, per file."""

from __future__ import annotations

import io
import tracemalloc

import psutil
import pytest
from django.core.handlers.wsgi import WSGIRequest
from django.http.multipartparser import MultiPartParser
from django.test import RequestFactory

from feeds import views
from feeds.models import FeedSubmission
from feeds.uploads import LimitedFeedUploadHandler

BOUNDARY = "FeedBoundary7MA4YWxkTrZu0gW"
# FEED_UPLOAD_MAX_BYTES without configuration (README: 100 MiB).
DEFAULT_LIMIT = 100 * 1024 * 1024
pytestmark = pytest.mark.django_db


class HugeBody(io.RawIOBase):
    """A multipart body whose ``file_size`` file is produced as it is read (never whole); counts
    what was read and notes the highest resident memory seen meanwhile."""

    def __init__(self, file_size: int, feed_type: str = "_POST_INVENTORY_AVAILABILITY_DATA_"):
        head = (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="feed_type"\r\n\r\n'
            f"{feed_type}\r\n"
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="file"; filename="huge.xml"\r\n'
            "Content-Type: text/xml\r\n\r\n"
        ).encode()
        tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.size = len(head) + file_size + len(tail)
        self._head, self._tail, self._file_size = head, tail, file_size
        self.position = 0
        self._process = psutil.Process()
        self.peak_rss = self._process.memory_info().rss

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        wanted = min(len(target), self.size - self.position)
        if wanted <= 0:
            return 0
        # File bytes are zeros; only the framing around them is copied in.
        out = bytearray(wanted)
        start = self.position
        head_end = len(self._head)
        file_end = head_end + self._file_size
        if start < head_end:
            piece = self._head[start : start + wanted]
            out[: len(piece)] = piece
        if start + wanted > file_end:
            offset = max(0, file_end - start)
            tail_from = max(0, start - file_end)
            piece = self._tail[tail_from : tail_from + wanted - offset]
            out[offset : offset + len(piece)] = piece
        target[:wanted] = out
        self.position += wanted
        self.peak_rss = max(self.peak_rss, self._process.memory_info().rss)
        return wanted


def post(seller, owner, body: HugeBody, content_length: int | None = None):
    environ = RequestFactory()._base_environ(
        PATH_INFO=f"/feeds/sellers/{seller.pk}/upload/",
        REQUEST_METHOD="POST",
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(content_length or body.size),
        **{"wsgi.input": body},
    )
    request = WSGIRequest(environ)
    request.user = owner
    request._dont_enforce_csrf_checks = True
    return views.upload(request, seller_pk=seller.pk)


def test_a_2_gib_upload_at_the_default_limit_is_stopped_at_the_limit_with_flat_memory(
    seller, owner, settings, tmp_path
):
    assert settings.FEED_UPLOAD_MAX_BYTES == DEFAULT_LIMIT, "the limit the README documents"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    body = HugeBody(2**31 + 10)
    before = body.peak_rss

    response = post(seller, owner, body)

    assert response.status_code == 400
    assert "larger than the 100 MiB limit" in response.content.decode()
    # Read up to the limit (one parser chunk beyond at most), never the other 1.9 GiB.
    assert DEFAULT_LIMIT < body.position <= DEFAULT_LIMIT + 2 * 64 * 1024
    assert body.peak_rss - before < 32 * 1024 * 1024
    assert list(tmp_path.iterdir()) == []  # the partial temporary file is gone
    assert not FeedSubmission.objects.exists()


def test_an_upload_is_stopped_at_the_limit_while_it_streams(seller, owner, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.FEED_UPLOAD_MAX_BYTES = 4 * 1024 * 1024
    body = HugeBody(settings.FEED_UPLOAD_MAX_BYTES + 32 * 1024)
    tracemalloc.start()
    try:
        response = post(seller, owner, body)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 400
    assert "larger than the 4 MiB limit" in response.content.decode()
    assert body.position <= settings.FEED_UPLOAD_MAX_BYTES + 2 * 64 * 1024
    assert peak < 16 * 1024 * 1024
    assert list(tmp_path.iterdir()) == []
    assert not FeedSubmission.objects.exists()


def multipart(**files: bytes) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; '
        f'filename="{name}.txt"\r\nContent-Type: text/plain\r\n\r\n'.encode()
        + data
        + b"\r\n"
        for name, data in files.items()
    ]
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def parse(body: bytes):
    request = RequestFactory().post("/")
    parser = MultiPartParser(
        {
            "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
            "CONTENT_LENGTH": str(len(body)),
        },
        io.BytesIO(body),
        [LimitedFeedUploadHandler(request)],
    )
    return request, parser.parse()[1]


def test_the_limit_is_per_file_not_per_request(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.FEED_UPLOAD_MAX_BYTES = 256 * 1024
    limit = settings.FEED_UPLOAD_MAX_BYTES
    # Three files, each within the limit: the request is three times the limit.
    request, files = parse(multipart(a=b"a" * limit, b=b"b" * limit, c=b"c" * (limit - 1)))
    assert not hasattr(request, "feed_upload_refused")
    assert [files[name].size for name in ("a", "b", "c")] == [limit, limit, limit - 1]

    request, files = parse(multipart(a=b"a" * 10, b=b"b" * (limit + 1)))
    assert request.feed_upload_refused.startswith("The file is larger than the 256 KiB limit")
    assert "b" not in files
