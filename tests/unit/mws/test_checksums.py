from __future__ import annotations

import base64
import hashlib
import io

from mwsclient.checksums import CHUNK_SIZE, EMPTY_MD5, content_md5


def _expected(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()


def test_bytes() -> None:
    assert content_md5(b"<AmazonEnvelope/>") == _expected(b"<AmazonEnvelope/>")
    assert content_md5(b"") == EMPTY_MD5


def test_file_is_hashed_from_its_position_and_left_there() -> None:
    data = b"x" * (CHUNK_SIZE * 2 + 17)
    source = io.BytesIO(b"HEADER" + data)
    source.seek(6)
    assert content_md5(source) == _expected(data)
    assert source.tell() == 6


def test_file_on_disk(tmp_path) -> None:
    path = tmp_path / "feed.txt"
    path.write_bytes(b"sku\tprice\nA\t1.00\n")
    with path.open("rb") as source:
        assert content_md5(source) == _expected(path.read_bytes())
        assert source.read() == path.read_bytes()
