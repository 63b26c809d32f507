"""Oversized uploads are stopped while they stream in: no memory, no disk, a clear error."""

from __future__ import annotations

import io
import tracemalloc

import pytest
from django.core.handlers.wsgi import WSGIRequest
from django.test import RequestFactory

from feeds import views
from feeds.models import FeedSubmission

BOUNDARY = "FeedBoundary7MA4YWxkTrZu0gW"
pytestmark = pytest.mark.django_db


class HugeBody(io.RawIOBase):
    """A multipart body with a ``file_size`` file, produced as it is read; counts what was read."""

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


def test_a_2_gib_upload_is_refused_before_its_file_is_read(seller, owner, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    body = HugeBody(2**31 + 10)
    tracemalloc.start()
    try:
        response = post(seller, owner, body)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 400
    assert "larger than the 100 MiB limit" in response.content.decode()
    assert body.position < 1024 * 1024  # the form fields, not the file
    assert peak < 16 * 1024 * 1024
    assert list(tmp_path.iterdir()) == []
    assert not FeedSubmission.objects.exists()


def test_an_upload_is_stopped_at_the_limit_while_it_streams(seller, owner, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.FEED_UPLOAD_MAX_BYTES = 4 * 1024 * 1024
    # Announced within the allowance for form fields, so only the streamed count can stop it.
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
    assert list(tmp_path.iterdir()) == []  # the partial temporary file is gone
    assert not FeedSubmission.objects.exists()
