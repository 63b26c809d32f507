"""Content-MD5 as MWS uses it: the base64 of the binary MD5 digest (not the hex digest).

Feeds carry it in ``ContentMD5Value`` (and the ``Content-MD5`` header); reports and feed
processing results come back with a ``Content-MD5`` header the client compares against.
"""

from __future__ import annotations

import base64
import hashlib
from typing import BinaryIO

CHUNK_SIZE = 1024 * 1024

# The MD5 of zero bytes: what MWS reports when a client sent an empty feed by mistake.
EMPTY_MD5 = "1B2M2Y8AsgTpgAmY7PhCfg=="


def encode_digest(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


def content_md5(source: bytes | BinaryIO) -> str:
    """base64 MD5 of bytes, or of a binary file from its current position to its end.

    A file is read in chunks and left at the position it had, so the same file object can be
    hashed first and then streamed as the request body (the guide's "store the feed on disk,
    compute the MD5, then attach the stream").
    """
    if isinstance(source, bytes | bytearray | memoryview):
        return encode_digest(hashlib.md5(source, usedforsecurity=False).digest())
    start = source.tell()
    md5 = hashlib.md5(usedforsecurity=False)
    try:
        while chunk := source.read(CHUNK_SIZE):
            md5.update(chunk)
    finally:
        source.seek(start)
    return encode_digest(md5.digest())
