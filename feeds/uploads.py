"""The upload handler that enforces ``FEED_UPLOAD_MAX_BYTES`` while the request streams in.

Django's default handlers would write the whole body to a temporary file first and leave the
size check to the form. This one counts each file's bytes as they arrive and stops reading the
request the moment a file passes the limit, so a 2 GiB upload costs no memory and at most the
limit in temporary disk. The limit is per file, as documented: the request's Content-Length
(the form's other fields and files included) decides nothing. The view reads
``request.feed_upload_refused`` to tell the seller why the file is missing.

It also shortens each file's name to what a file system takes (255 bytes in UTF-8): Django caps
names at 255 characters, which in UTF-8 can be far more bytes.
"""

from __future__ import annotations

import os
import re
import unicodedata
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.http import HttpRequest

MAX_FILENAME_BYTES = 255
# A longer "extension" is part of the name: shortening keeps the end of a name only when it is
# a real extension.
MAX_EXTENSION_BYTES = 16
_SEPARATORS = re.compile(r"[/\\]")


class FilenameRefused(ValueError):
    """The name does not name a file (empty, ``.``, ``..``, or ending in a separator)."""


def shorten_filename(name: str, max_bytes: int = MAX_FILENAME_BYTES) -> str:
    """``name`` in NFC, without control or format characters, cut to ``max_bytes`` in UTF-8
    (between characters, never inside one), keeping a short extension."""
    name = "".join(char for char in unicodedata.normalize("NFC", name) if char.isprintable())
    if len(name.encode()) <= max_bytes:
        return name
    stem, extension = os.path.splitext(name)
    if len(extension.encode()) > min(MAX_EXTENSION_BYTES, max_bytes // 2):
        stem, extension = name, ""
    room = max_bytes - len(extension.encode())
    return stem.encode()[:room].decode("utf-8", errors="ignore") + extension


def clean_filename(raw: str) -> str:
    """The name a feed file is stored and shown under: the last part of ``raw`` as a path,
    shortened and normalised. Raises FilenameRefused when that names no file."""
    stripped = raw.strip()
    last = _SEPARATORS.split(stripped)[-1]
    name = shorten_filename(last).strip()
    if name in {"", ".", ".."}:
        if stripped and _SEPARATORS.search(stripped[-1]):
            problem = "ends with a “/” or “\\”, so it names a folder"
        else:
            problem = "is empty, “.” or “..”"
        raise FilenameRefused(
            f"The file name {problem}, not a file: give a name such as inventory.xml."
        )
    return name


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

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        # Django names the temporary file after the upload's extension, which can itself be
        # over a file system's limit: the temporary file gets a neutral name and the upload
        # keeps its own, shortened.
        super().new_file(field_name, "upload", *args, **kwargs)
        self.file_name = self.file.name = shorten_filename(file_name)

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
