""" "Fix and resubmit": the records of a processed feed that Amazon refused, as a file of the same
type to correct and upload again, and what the upload form is prefilled with.

A flat file's processing report numbers records from 1, counting the non-blank lines after the
header (and after the two lines of a category template's header); an XML feed's names
MessageIDs. The failed-rows file keeps the header (or the envelope's Header and MessageType)
and exactly those records, streamed from the stored original so a large feed is never held
whole.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from lxml import etree

from feeds import services
from feeds.checks import PARSER_OPTIONS, FeedRefused, check_root
from feeds.models import FeedMessageResult, FeedSubmission

# MessageID 0 is a document-level error: the whole file was refused, not one record of it.
_DOCUMENT_LEVEL = 0


class NoFailedRows(Exception):
    """The feed has no record-level errors to pull out; the message says what to do instead."""


def failed_record_numbers(feed: FeedSubmission) -> set[int]:
    """MessageIDs (XML) or original record numbers (flat files) with an error."""
    return set(
        feed.results.filter(severity=FeedMessageResult.Severity.ERROR)
        .exclude(message_id=_DOCUMENT_LEVEL)
        .exclude(message_id__isnull=True)
        .values_list("message_id", flat=True)
    )


def can_resubmit(feed: FeedSubmission) -> bool:
    """Whether the feed ended with something to fix: errors in its report, or it was
    cancelled or could not be sent."""
    if feed.state in (FeedSubmission.State.CANCELLED, FeedSubmission.State.FAILED):
        return True
    return feed.state == FeedSubmission.State.COMPLETE and bool(feed.messages_with_error)


def failed_rows(feed: FeedSubmission) -> Iterator[bytes]:
    """The failed records of ``feed`` as a feed file of its type, in blocks.

    Raises ``NoFailedRows`` when no record failed on its own (nothing failed, or the whole
    document was refused, when the original is the file to fix),
    ``StoredFileMissing`` when the original is gone, and ``FeedRefused`` when the
    stored original is no longer a feed the checks accept (a DOCTYPE, another root)."""
    if feed.state != FeedSubmission.State.COMPLETE:
        raise NoFailedRows("The feed has no processing report yet, so no record has failed.")
    numbers = failed_record_numbers(feed)
    if not numbers:
        raise NoFailedRows(
            "No single record failed: the processing report refused the whole file or found "
            "no error. Download the original, correct it and upload it again."
        )
    handle = services.open_original(feed)
    if not feed.is_xml:
        return _flat_rows(handle, numbers)
    # The original passed the feed checks when it was uploaded; storage is still not trusted
    # with the parser: the same root check runs before a byte is sent (it raises FeedRefused).
    try:
        check_root(handle)
    except FeedRefused:
        handle.close()
        raise
    handle.seek(0)
    return _xml_rows(handle, numbers)


def _flat_rows(handle: io.BufferedIOBase, numbers: set[int]) -> Iterator[bytes]:
    with handle:
        lines = iter(handle)
        header = next(lines, b"")
        yield header
        if header.startswith(b"TemplateType="):
            yield next(lines, b"")
            yield next(lines, b"")
        number = 0
        for line in lines:
            if not line.strip():
                continue
            number += 1
            if number in numbers:
                yield line


def _xml_rows(handle: io.BufferedIOBase, numbers: set[int]) -> Iterator[bytes]:
    """The envelope with only the failed messages, each written out as it is read."""
    with handle:
        yield b'<?xml version="1.0" encoding="UTF-8"?>\n<AmazonEnvelope>\n'
        for _event, element in etree.iterparse(
            handle,
            events=("end",),
            tag=("{*}Header", "{*}MessageType", "{*}Message"),
            **PARSER_OPTIONS,
        ):
            parent = element.getparent()
            if parent is None or parent.getparent() is not None:
                continue  # an element of that name inside a message body
            keep = True
            if etree.QName(element).localname == "Message":
                message_id = (element.findtext("{*}MessageID") or "").strip()
                keep = message_id.isdigit() and int(message_id) in numbers
            if keep:
                yield etree.tostring(element, encoding="UTF-8", with_tail=False) + b"\n"
            element.clear(keep_tail=False)
            while element.getprevious() is not None:
                del parent[0]
        yield b"</AmazonEnvelope>\n"


def resubmit_initial(feed: FeedSubmission) -> dict[str, object]:
    """What the upload form starts with when the seller resubmits ``feed``: the same type and
    marketplaces. Purge and replace is never carried over; it has to be chosen again."""
    return {"feed_type": feed.feed_type, "marketplaces": list(feed.marketplace_ids)}
