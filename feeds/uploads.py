"""The upload handler that enforces ``FEED_UPLOAD_MAX_BYTES`` while the request streams in.

Django's default handlers would write the whole body to a temporary file first and leave the
size check to the form. This one counts each file's bytes as they arrive and stops reading the
request the moment a file passes the limit, so a 2 GiB upload costs no memory and at most the
limit in temporary disk. The limit is per file, as documented: the request's Content-Length
(the form's other fields and files included) decides nothing. The view reads
``request.feed_upload_refused`` to tell the seller why the file is missing.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.http import HttpRequest


def size_text(size: int) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}".replace(".0 ", " ")
    return f"{size} bytes"


def limit_message(limit: int) -> str:
    return (
        f"The file is larger than the {size_text(limit)} limit for feeds, so it was not "
        "received. Split it into smaller feeds."
    )


class LimitedFeedUploadHandler(TemporaryFileUploadHandler):
    """Streams every uploaded file to a temporary file on disk, up to the feed size limit."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit: int = settings.FEED_UPLOAD_MAX_BYTES

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        # ``start`` counts from the beginning of the current file, so each file of a request
        # gets the whole limit.
        if start + len(raw_data) > self.limit:
            self.file.close()
            self._refuse()
        return super().receive_data_chunk(raw_data, start)

    def _refuse(self) -> None:
        if self.request is not None:
            self.request.feed_upload_refused = limit_message(self.limit)
        # connection_reset: stop reading the body at once instead of draining the rest.
        raise StopUpload(connection_reset=True)
