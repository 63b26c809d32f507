"""Checks a feed file must pass before it is stored or sent, read as a stream.

A refusal names what is wrong and where: line and column, and the MessageID when the problem
is inside a message. Nothing here holds the whole file in memory: XML is parsed event by event
and every finished message is dropped; flat files are decoded chunk by chunk.

XML is parsed with entity resolution, DTD loading and network access off, and a document that
declares a DOCTYPE is refused outright (a feed never needs one), the same rule as
``mwsclient.xmlparse`` applies to MWS's answers. That module parses whole documents; a feed
of up to 2 GiB needs the incremental parser below.
"""

from __future__ import annotations

import codecs
import re
import tempfile
from dataclasses import dataclass
from typing import BinaryIO

from lxml import etree

from mwsportal.gateway.mws import FEED_TYPES, REGIONS

CHUNK_SIZE = 1024 * 1024
# IDNumber in amzn-base.xsd: 1 to 20 digits.
MAX_MESSAGE_ID_DIGITS = 20
# MessageIDs are checked for duplicates among this many messages (MWS advises at most 30,000
# records per feed); beyond it the set of seen ids would grow with the file.
DUPLICATE_CHECK_LIMIT = 100_000
# C0 control characters other than tab, line feed and carriage return.
_CONTROL = re.compile("[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]")


@dataclass
class FeedRefused(Exception):
    """The file cannot be sent as this feed type; ``str()`` says what and where."""

    problem: str
    line: int | None = None
    column: int | None = None
    message_id: str | None = None

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column {self.column}")
        if self.message_id is not None:
            where.append(f"message {self.message_id}")
        return f"{self.problem} ({', '.join(where)})" if where else self.problem


@dataclass(frozen=True)
class CheckedFeed:
    """What the checks learned, shown to the seller with the stored feed."""

    messages: int


def region_charset(region: str) -> str:
    """The charset MWS reads flat files in for ``region`` (its main endpoint's marketplace),
    the same one the client names in the Content-Type."""
    info = REGIONS[region]
    return next(m for m in info.marketplaces if m.host == info.host).flat_file_charset


def check_feed(source: BinaryIO, feed_type: str, region: str) -> CheckedFeed:
    """Check ``source`` (read from its start) as a feed of ``feed_type``; raise FeedRefused."""
    info = FEED_TYPES.get(feed_type)
    if info is None:
        raise FeedRefused(f"{feed_type} is not a feed type the portal knows")
    source.seek(0)
    try:
        if info.format == "xml":
            return check_xml(source, info.message_type)
        if info.format == "flat_file":
            return check_flat_file(source, region_charset(region))
        return _check_not_empty(source)
    finally:
        source.seek(0)


def _check_not_empty(source: BinaryIO) -> CheckedFeed:
    if not source.read(1):
        raise FeedRefused("The file is empty")
    return CheckedFeed(messages=0)


# ---- XML ------------------------------------------------------------------------------------


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


# Entities are never resolved, no DTD is loaded, nothing is fetched; a DOCTYPE is refused.
PARSER_OPTIONS = {
    "resolve_entities": False,
    "load_dtd": False,
    "dtd_validation": False,
    "no_network": True,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}
_DOCTYPE_REFUSED = (
    "The file declares a DOCTYPE (a DTD or entities). Feeds never need one, and such "
    "documents can read files or expand to gigabytes, so they are refused"
)
_POSITION_SUFFIX = re.compile(r",? line \d+, column \d+$")
# Only these elements produce parse events: a message's own children never reach Python, which
# keeps a large feed fast to check.
_EVENT_TAGS = ("{*}MessageType", "{*}Message")


def check_xml(source: BinaryIO, message_type: str | None) -> CheckedFeed:
    """An AmazonEnvelope whose MessageType is ``message_type`` (any, when None), with messages
    that each carry a unique MessageID and the body element the type names."""
    state = _EnvelopeState(message_type)
    # The thread's libxml2 error log keeps earlier documents' errors; read only this one's.
    etree.clear_error_log()
    try:
        root = check_root(source)
        source.seek(0)
        for _event, element in etree.iterparse(
            source, events=("end",), tag=_EVENT_TAGS, **PARSER_OPTIONS
        ):
            state.end(element)
    except etree.XMLSyntaxError as exc:
        undeclared = _undeclared_entity(exc)
        if undeclared is not None:
            raise undeclared from None
        line, column = exc.position if exc.position else (exc.lineno, None)
        if not line:
            raise FeedRefused("The file is empty") from None
        # libxml2 repeats the position in its message; it is given once, as line and column.
        problem = _POSITION_SUFFIX.sub("", exc.msg or "") or "the file is not well-formed"
        raise FeedRefused(f"Not well-formed XML: {problem}", line, column) from None
    state.finish(root.sourceline)
    return CheckedFeed(messages=state.messages)


def _undeclared_entity(exc: etree.XMLSyntaxError) -> FeedRefused | None:
    """The refusal of an entity reference no DTD declares (``&nbsp;``). With entity
    resolution off, libxml2 ends such a parse with "no element found" at line 0; the cause
    and its place are only in the error log."""
    for entry in exc.error_log:
        if entry.type_name == "ERR_UNDECLARED_ENTITY":
            problem = _POSITION_SUFFIX.sub("", entry.message).rstrip()
            return FeedRefused(
                f"The file uses an undeclared entity ({problem}). A feed can use only &amp; "
                "&lt; &gt; &quot; &apos; and numeric references such as &#160;",
                entry.line,
                entry.column,
            )
    return None


def check_root(source: BinaryIO) -> etree._Element:
    """Read up to the root element's start tag: refuse a DOCTYPE and any other root."""
    parser = etree.XMLPullParser(events=("start",), **PARSER_OPTIONS)
    while chunk := source.read(64 * 1024):
        try:
            parser.feed(chunk)
        except etree.XMLSyntaxError:
            # libxml2 gives up inside some hostile DTDs (entity amplification) before the root
            # element; the reason worth telling is still the DOCTYPE.
            if b"<!DOCTYPE" in chunk:
                raise FeedRefused(_DOCTYPE_REFUSED, 1) from None
            raise
        for _event, element in parser.read_events():
            docinfo = element.getroottree().docinfo
            if docinfo.doctype or docinfo.internalDTD is not None:
                raise FeedRefused(_DOCTYPE_REFUSED, 1)
            if _local(element.tag) != "AmazonEnvelope":
                raise FeedRefused(
                    f"The root element is <{_local(element.tag)}>; an XML feed must be an "
                    "<AmazonEnvelope>",
                    element.sourceline,
                )
            return element
    parser.close()
    raise FeedRefused("The file is empty")


class _EnvelopeState:
    """Follows the parse one message at a time, keeping only the current one."""

    def __init__(self, expected_type: str | None) -> None:
        self.expected_type = expected_type
        self.message_type: str | None = None
        self.message_type_line: int | None = None
        self.messages = 0
        self.seen_ids: set[int] = set()

    def end(self, element: etree._Element) -> None:
        parent = element.getparent()
        if parent is None or parent.getparent() is not None:
            return  # an element of that name inside a message body
        if _local(element.tag) == "MessageType":
            self._message_type(element)
            return
        self._message(element)
        # Drop the finished message and everything before it: memory stays flat.
        element.clear(keep_tail=False)
        while element.getprevious() is not None:
            del parent[0]

    def _message_type(self, element: etree._Element) -> None:
        value = (element.text or "").strip()
        self.message_type = value
        self.message_type_line = element.sourceline
        if self.expected_type and value != self.expected_type:
            raise FeedRefused(
                f"MessageType is “{value}”, but this feed type takes “{self.expected_type}”",
                element.sourceline,
            )

    def _message(self, element: etree._Element) -> None:
        line = element.sourceline
        if self.message_type is None:
            raise FeedRefused("A <Message> comes before <MessageType>", line)
        children = {_local(child.tag): child for child in element if isinstance(child.tag, str)}
        id_element = children.get("MessageID")
        raw_id = (id_element.text or "").strip() if id_element is not None else ""
        if not raw_id:
            raise FeedRefused("A <Message> has no <MessageID>", line)
        if not raw_id.isdigit() or len(raw_id) > MAX_MESSAGE_ID_DIGITS:
            raise FeedRefused(
                f"MessageID “{raw_id}” must be a whole number of 1 to 20 digits",
                id_element.sourceline,
                message_id=raw_id,
            )
        number = int(raw_id)
        if number in self.seen_ids:
            raise FeedRefused(
                f"MessageID {raw_id} is used twice; each message needs its own",
                id_element.sourceline,
                message_id=raw_id,
            )
        if len(self.seen_ids) < DUPLICATE_CHECK_LIMIT:
            self.seen_ids.add(number)
        if self.message_type and self.message_type not in children:
            raise FeedRefused(
                f"The message has no <{self.message_type}> element, which MessageType "
                f"“{self.message_type}” calls for",
                line,
                message_id=raw_id,
            )
        self.messages += 1

    def finish(self, root_line: int | None) -> None:
        if self.message_type is None:
            raise FeedRefused("The AmazonEnvelope has no <MessageType>", root_line)
        if not self.messages:
            raise FeedRefused("The AmazonEnvelope has no <Message>", self.message_type_line)


# ---- flat files ------------------------------------------------------------------------------


# Charsets in which every byte sequence decodes: a UTF-8 file passes for one of them, and would
# reach Amazon as mojibake ("KEH-Ω" read as "KEH-Î©"), so it is looked for explicitly.
_SINGLE_BYTE = frozenset({"iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252"})
# Spooled in memory up to this size, then on disk.
_TRANSCODE_SPOOL = 8 * 1024 * 1024


def single_byte_charset(charset: str) -> bool:
    """Whether ``charset`` is one in which UTF-8 text passes unnoticed (and can be converted)."""
    return charset.lower() in _SINGLE_BYTE


def transcode_utf8_flat_file(source: BinaryIO, charset: str) -> BinaryIO | None:
    """The file rewritten in ``charset`` when it is UTF-8 text with characters beyond ASCII
    (what a seller chooses with the convert option), else None: it is in ``charset`` already.

    Raises ``FeedRefused`` with the line, column and character when a character cannot be
    written in ``charset`` at all: converting never drops or replaces a character."""
    if not single_byte_charset(charset) or not _utf8_text(source, charset):
        return None
    # Handed to the caller open, who stores it and closes it.
    converted = tempfile.SpooledTemporaryFile(max_size=_TRANSCODE_SPOOL)  # noqa: SIM115
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
    source.seek(0)
    while True:
        chunk = source.read(CHUNK_SIZE)
        converted.write(decoder.decode(chunk, final=not chunk).encode(charset))
        if not chunk:
            break
    converted.seek(0)
    source.seek(0)
    return converted


def _utf8_text(source: BinaryIO, charset: str) -> bool:
    """Whether ``source`` is UTF-8 with at least one character beyond ASCII (a byte order mark
    counts), refusing it when one of its characters has no place in ``charset``."""
    source.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    line, column = 1, 1
    beyond_ascii = False
    try:
        while True:
            chunk = source.read(CHUNK_SIZE)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError:
                return False
            text = text.removeprefix("\ufeff") if line == column == 1 else text
            beyond_ascii = beyond_ascii or (bool(chunk) and not chunk.isascii())
            try:
                text.encode(charset)
            except UnicodeEncodeError as exc:
                bad = text[exc.start]
                at_line, at_column = _advance(text[: exc.start], line, column)
                raise FeedRefused(
                    f"“{bad}” (U+{ord(bad):04X}) cannot be written in {charset}, the charset "
                    "Amazon reads flat files in for this region; replace it (converting the "
                    "file cannot keep it either)",
                    at_line,
                    at_column,
                ) from None
            line, column = _advance(text, line, column)
            if not chunk:
                return beyond_ascii
    finally:
        source.seek(0)


def _advance(text: str, line: int, column: int) -> tuple[int, int]:
    """Line and column just after ``text``, read from (``line``, ``column``)."""
    newlines = text.count("\n")
    if newlines:
        return line + newlines, len(text) - text.rfind("\n")
    return line, column + len(text)


def _first_beyond_ascii(source: BinaryIO) -> tuple[int, int, str]:
    """Line, column and character of the first non-ASCII character of a UTF-8 file."""
    source.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    line, column = 1, 1
    try:
        while chunk := source.read(CHUNK_SIZE):
            text = decoder.decode(chunk)
            found = _NON_ASCII.search(text)
            if found:
                at_line, at_column = _advance(text[: found.start()], line, column)
                return at_line, at_column, found.group()
            line, column = _advance(text, line, column)
        return line, column, ""
    finally:
        source.seek(0)


_NON_ASCII = re.compile("[^\x00-\x7f]")


def check_flat_file(source: BinaryIO, charset: str) -> CheckedFeed:
    """Tab-separated text in ``charset``: decodable, no control characters, a header with
    tabs. Returns the number of data rows (non-empty lines after the header).

    For a single-byte charset (ISO-8859-1, windows-1252) UTF-8 text is refused: it would be
    sent as UTF-8 bytes labelled ``charset``. The seller saves the file in ``charset`` or asks
    for it to be converted (``transcode_utf8_flat_file``)."""
    if single_byte_charset(charset) and _utf8_text(source, charset):
        bad_line, bad_column, char = _first_beyond_ascii(source)
        described = "a byte order mark" if char == "\ufeff" else f"“{char}”"
        raise FeedRefused(
            f"The file is UTF-8 text ({described} is written the UTF-8 way), but flat files "
            f"for this region must be {charset}: save it as {charset}, or choose to have it "
            f"converted to {charset}",
            bad_line,
            bad_column,
        )
    source.seek(0)
    decoder = codecs.getincrementaldecoder(charset)(errors="strict")
    line = 1
    # The text of the current line read so far (kept only while looking for the header).
    pending = ""
    header_seen = False
    rows = 0
    offset = 0
    column = 1
    while True:
        chunk = source.read(CHUNK_SIZE)
        final = not chunk
        if offset == 0 and chunk.startswith(codecs.BOM_UTF8) and charset.lower() != "utf-8":
            raise FeedRefused(
                f"The file starts with a UTF-8 byte order mark; flat files for this region "
                f"must be saved as {charset}",
                1,
                1,
            )
        try:
            text = decoder.decode(chunk, final=final)
        except UnicodeDecodeError as exc:
            bad_line, bad_column = _position(source, offset, exc.start, line, column, charset)
            raise FeedRefused(
                f"The file is not valid {charset} text (byte 0x{exc.object[exc.start]:02X}); "
                f"save it as {charset}",
                bad_line,
                bad_column,
            ) from None
        offset += len(chunk)
        bad = _CONTROL.search(text)
        if bad:
            before = text[: bad.start()]
            newlines = before.count("\n")
            raise FeedRefused(
                f"The file contains a control character (U+{ord(bad.group()):04X}); is it a "
                "spreadsheet saved in a binary format? Save it as tab-delimited text",
                line + newlines,
                (len(before) - before.rfind("\n")) if newlines else column + len(before),
            )
        pieces = text.split("\n")
        # Every piece but the last ends a line.
        for index, piece in enumerate(pieces[:-1]):
            whole = (pending + piece) if index == 0 else piece
            if not header_seen:
                header_seen = _is_header(whole, line + index)
            elif whole.strip():
                rows += 1
        if len(pieces) > 1:
            pending = pieces[-1]
            line += len(pieces) - 1
            column = len(pieces[-1]) + 1
        else:
            pending += pieces[-1]
            column += len(pieces[-1])
        # Before the header only its text matters (no template has a header this long);
        # after it, only whether the unfinished line has content.
        pending = pending[-65536:] if not header_seen else ("x" if pending.strip() else "")
        if final:
            break
    if not header_seen:
        if not _is_header(pending, line):
            raise FeedRefused("The file is empty")
    elif pending.strip():
        rows += 1
    if not rows:
        raise FeedRefused("The file has a header line but no records", line)
    return CheckedFeed(messages=rows)


def _is_header(text: str, line: int) -> bool:
    """Whether ``text`` is the first non-empty line; refuses it when it is not tab-separated."""
    if not text.strip():
        return False
    if "\t" not in text:
        hint = " It looks comma-separated." if "," in text or ";" in text else ""
        raise FeedRefused(
            f"The header line has no tab: flat-file feeds are tab-separated text.{hint}", line, 1
        )
    return True


def _position(
    source: BinaryIO, chunk_offset: int, error_start: int, line: int, column: int, charset: str
) -> tuple[int, int]:
    """Line and column of the undecodable byte, counted from the decoded text before it."""
    source.seek(chunk_offset)
    prefix = source.read(error_start)
    text = prefix.decode(charset, errors="replace")
    newlines = text.count("\n")
    if newlines:
        return line + newlines, len(text) - text.rfind("\n")
    return line, column + len(text)
