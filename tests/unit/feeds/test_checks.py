"""Every refusal of a feed file says what is wrong and where."""

from __future__ import annotations

import io
import os

import pytest

from feeds.checks import (
    FeedRefused,
    check_feed,
    check_flat_file,
    check_xml,
    transcode_utf8_flat_file,
)

INVENTORY = "_POST_INVENTORY_AVAILABILITY_DATA_"
FLAT = "_POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA_"


def envelope(messages: str, message_type: str = "Inventory", prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}<AmazonEnvelope>\n'
        "<Header><DocumentVersion>1.01</DocumentVersion><MerchantIdentifier>M</MerchantIdentifier>"
        f"</Header>\n<MessageType>{message_type}</MessageType>\n{messages}</AmazonEnvelope>\n"
    ).encode()


def message(number: str, body: str = "<Inventory><SKU>A</SKU><Quantity>1</Quantity></Inventory>"):
    return f"<Message><MessageID>{number}</MessageID>{body}</Message>\n"


def refusal(body: bytes, feed_type: str = INVENTORY, region: str = "NA") -> FeedRefused:
    with pytest.raises(FeedRefused) as caught:
        check_feed(io.BytesIO(body), feed_type, region)
    return caught.value


def test_a_good_xml_feed_passes_and_its_messages_are_counted():
    checked = check_feed(io.BytesIO(envelope(message("1") + message("2"))), INVENTORY, "NA")
    assert checked.messages == 2


BILLION_LAUGHS = """<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
"""


def test_billion_laughs_is_refused_without_expanding():
    body = envelope(message("1", "<Inventory><SKU>&lol4;</SKU></Inventory>"), prolog=BILLION_LAUGHS)
    found = refusal(body)
    assert "DOCTYPE" in str(found)
    assert found.line == 1


def test_an_external_entity_is_refused_and_the_file_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    prolog = f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
    body = envelope(message("1", "<Inventory><SKU>&xxe;</SKU></Inventory>"), prolog=prolog)
    found = refusal(body)
    assert "DOCTYPE" in str(found)
    assert "TOP-SECRET" not in str(found)


def test_an_external_dtd_is_refused():
    prolog = '<!DOCTYPE AmazonEnvelope SYSTEM "http://127.0.0.1:9/amzn-envelope.dtd">\n'
    assert "DOCTYPE" in str(refusal(envelope(message("1"), prolog=prolog)))


def test_malformed_xml_names_line_and_column():
    body = envelope(message("1") + "<Message><MessageID>2</MessageID><Inventory></Message>\n")
    found = refusal(body)
    assert str(found).startswith("Not well-formed XML")
    assert found.line == 6
    assert found.column is not None


def test_the_root_must_be_an_amazon_envelope():
    found = refusal(b"<Feed><Message/></Feed>")
    assert "<Feed>" in found.problem
    assert "AmazonEnvelope" in found.problem
    assert found.line == 1


def test_the_message_type_must_fit_the_feed_type():
    found = refusal(envelope(message("1", "<Price/>"), message_type="Price"))
    assert "“Price”" in str(found)
    assert "“Inventory”" in str(found)
    assert found.line == 4


@pytest.mark.parametrize(
    ("messages", "expected", "message_id"),
    [
        ("", "has no <Message>", None),
        ("<Message><Inventory/></Message>\n", "has no <MessageID>", None),
        (message("1") + message("1"), "MessageID 1 is used twice", "1"),
        (message("x1"), "must be a whole number", "x1"),
        (message("7", "<Price><SKU>A</SKU></Price>"), "no <Inventory> element", "7"),
    ],
)
def test_message_problems_name_the_message(messages, expected, message_id):
    found = refusal(envelope(messages))
    assert expected in str(found)
    assert found.message_id == message_id
    if message_id:
        assert f"message {message_id}" in str(found)


def test_a_missing_message_type_is_refused():
    body = b"<AmazonEnvelope><Header/><Message><MessageID>1</MessageID></Message></AmazonEnvelope>"
    assert "before <MessageType>" in str(refusal(body))


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class GeneratedFeed(io.RawIOBase):
    """An inventory envelope of ``count`` messages, produced as it is read (never whole), that
    notes the highest resident memory seen while it is being read."""

    def __init__(self, count: int) -> None:
        self._count = count
        self._parts = self._generate(count)
        self._buffer = b""
        self.peak_rss = rss_bytes()

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        # Only a rewind to the start is needed: the checks read the file twice.
        assert (offset, whence) == (0, 0)
        self._parts = self._generate(self._count)
        self._buffer = b""
        return 0

    def _generate(self, count: int):
        yield envelope("").split(b"</AmazonEnvelope>")[0]
        for number in range(1, count + 1):
            yield message(str(number)).encode()
        yield b"</AmazonEnvelope>\n"

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        while len(self._buffer) < len(target):
            part = next(self._parts, None)
            if part is None:
                break
            self._buffer += part
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        self.peak_rss = max(self.peak_rss, rss_bytes())
        return size


def test_xml_check_memory_stays_flat_for_a_large_feed(monkeypatch):
    monkeypatch.setattr("feeds.checks.DUPLICATE_CHECK_LIMIT", 100)
    source = GeneratedFeed(100_000)  # about 10 MB of XML
    before = rss_bytes()
    assert check_xml(source, "Inventory").messages == 100_000
    # A parser keeping the tree would hold 600,000 elements: well over 50 MB.
    assert source.peak_rss - before < 24 * 1024 * 1024


# ---- flat files ----------------------------------------------------------------------------


def test_a_good_flat_file_passes_and_its_rows_are_counted():
    body = "sku\tprice\tquantity\nA-1\t9.99\t3\nB-2\t\t0\n\n".encode("iso-8859-1")
    assert check_feed(io.BytesIO(body), FLAT, "NA").messages == 2


def test_a_comma_separated_file_is_refused_with_a_hint():
    found = refusal(b"sku,price,quantity\nA,1,2\n", FLAT)
    assert "no tab" in str(found)
    assert "comma-separated" in str(found)
    assert (found.line, found.column) == (1, 1)


def test_bytes_that_are_not_the_regions_charset_are_refused_where_they_are():
    body = "sku\tquantity\nA-1\t3\n".encode("shift_jis") + b"B-\x82\xff\t4\n"
    found = refusal(body, FLAT, region="FE")
    assert "Shift_JIS" in str(found)
    assert (found.line, found.column) == (3, 3)


def test_a_utf8_bom_is_refused_where_the_region_reads_latin_1():
    found = refusal(b"\xef\xbb\xbfsku\tquantity\nA\t1\n", FLAT)
    assert "byte order mark" in str(found)


def test_a_binary_file_is_refused_at_its_control_character():
    found = refusal(b"sku\tquantity\nA\t1\nPK\x03\x04\t2\n", FLAT)
    assert "control character" in str(found)
    assert (found.line, found.column) == (3, 3)


@pytest.mark.parametrize(
    ("body", "expected"),
    [(b"", "empty"), (b"\n \n", "empty"), (b"sku\tquantity\n", "no records")],
)
def test_empty_flat_files_are_refused(body, expected):
    assert expected in str(refusal(body, FLAT))


def test_a_flat_file_is_read_in_chunks(monkeypatch):
    monkeypatch.setattr("feeds.checks.CHUNK_SIZE", 7)
    body = ("sku\tquantity\n" + "".join(f"SKU-{n}\t{n}\n" for n in range(50))).encode()
    assert check_flat_file(io.BytesIO(body), "iso-8859-1").messages == 50
    bad = body + b"X\x01\t1\n"
    with pytest.raises(FeedRefused) as caught:
        check_flat_file(io.BytesIO(bad), "iso-8859-1")
    assert (caught.value.line, caught.value.column) == (52, 2)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"", "The file is empty"),
        (
            b"<AmazonEnvelope><MessageType>Inventory</MessageType>",
            "Not well-formed XML: Premature end of data in tag AmazonEnvelope line 1 "
            "(line 1, column 53)",
        ),
    ],
)
def test_xml_refusals_give_the_position_once(body, expected):
    assert str(refusal(body)) == expected


# ---- UTF-8 flat files for regions that read ISO-8859-1 -------------------------------------


def test_utf8_text_is_never_taken_for_latin_1():
    # "KEH-Ω" would reach Amazon as "KEH-Î©": every byte is valid ISO-8859-1.
    body = "sku\tquantity\nKEH-1\t3\nKEH-Ω\t4\n".encode()
    found = refusal(body, FLAT)
    assert "“Ω” (U+03A9) cannot be written in iso-8859-1" in str(found)
    assert (found.line, found.column) == (3, 5)


def test_utf8_text_latin_1_can_hold_is_refused_unless_converted():
    body = "sku\titem-name\nA-1\tCafé crème\n".encode()
    found = refusal(body, FLAT)
    assert "The file is UTF-8 text (“é” is written the UTF-8 way)" in str(found)
    assert "choose to have it converted to iso-8859-1" in str(found)
    assert (found.line, found.column) == (2, 8)
    converted = transcode_utf8_flat_file(io.BytesIO(body), "iso-8859-1")
    assert converted is not None
    assert converted.read() == "sku\titem-name\nA-1\tCafé crème\n".encode("iso-8859-1")
    converted.seek(0)
    assert check_feed(converted, FLAT, "NA").messages == 1


def test_converting_drops_a_utf8_byte_order_mark():
    body = b"\xef\xbb\xbfsku\tquantity\nA\t1\n"
    converted = transcode_utf8_flat_file(io.BytesIO(body), "iso-8859-1")
    assert converted is not None
    assert converted.read() == b"sku\tquantity\nA\t1\n"


def test_converting_refuses_what_latin_1_cannot_hold_at_its_place(monkeypatch):
    monkeypatch.setattr("feeds.checks.CHUNK_SIZE", 5)
    body = ("sku\tquantity\n" + "".join(f"É-{n}\t{n}\n" for n in range(9)) + "€-9\t9\n").encode()
    with pytest.raises(FeedRefused) as caught:
        transcode_utf8_flat_file(io.BytesIO(body), "iso-8859-1")
    assert "“€” (U+20AC)" in str(caught.value)
    assert (caught.value.line, caught.value.column) == (11, 1)


def test_files_already_in_latin_1_or_plain_ascii_are_left_as_they_are():
    latin = "sku\titem-name\nA-1\tCafé\n".encode("iso-8859-1")
    assert transcode_utf8_flat_file(io.BytesIO(latin), "iso-8859-1") is None
    assert check_feed(io.BytesIO(latin), FLAT, "NA").messages == 1
    ascii_only = b"sku\tquantity\nA-1\t1\n"
    assert transcode_utf8_flat_file(io.BytesIO(ascii_only), "iso-8859-1") is None
    assert check_feed(io.BytesIO(ascii_only), FLAT, "NA").messages == 1
    # Regions that read Shift_JIS or UTF-8 are not touched.
    assert transcode_utf8_flat_file(io.BytesIO("sku\tq\nΩ\t1\n".encode()), "UTF-8") is None
