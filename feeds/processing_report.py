"""Processing reports (GetFeedSubmissionResult) read into a summary and per-message results.

Two forms exist (reference 3.7 and 3.8): an XML ``ProcessingReport`` inside an AmazonEnvelope
for XML feeds, and a tab-separated text for flat-file feeds: a "Feed Processing Summary" block,
a blank line, then a table of the records with errors or warnings (omitted when there are none).
The flat-file form is localized in some marketplaces (labels, error types), so it is read by
position and shape, not by its English words.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from mwsportal.gateway.mws import InvalidResponseError, Node, local_name, parse_document

# Result types that mean "error" in the marketplaces' languages (reference 3.8); anything
# else is a warning, as MWS only ever writes these two kinds.
_ERROR_WORDS = frozenset({"error", "fehler", "erreur", "errore", "エラー", "错误"})


# Charset labels MWS used that Python knows under another name.
_CODEC_ALIASES = {"windows-31j": "cp932", "x-sjis": "shift_jis"}


class UnreadableReport(ValueError):
    """The downloaded body is not a processing report in either form."""


@dataclass(frozen=True)
class MessageResult:
    message_id: int | None
    sku: str
    order_id: str
    code: str
    result_type: str
    is_error: bool
    description: str


@dataclass
class ProcessingReport:
    status_code: str = ""
    processed: int | None = None
    successful: int | None = None
    with_error: int | None = None
    with_warning: int | None = None
    results: list[MessageResult] = field(default_factory=list)


# An XML report is read whole into a tree. A real one holds a Result per message with an
# error or warning, a few megabytes even for the 30,000 messages MWS advises as a maximum.
MAX_XML_BYTES = 64 * 1024 * 1024


def is_error_type(value: str) -> bool:
    return value.strip().lower() in _ERROR_WORDS


def parse_processing_report(source: BinaryIO, charset: str | None) -> ProcessingReport:
    """Read an XML or flat-file processing report from ``source`` (a seekable binary file)."""
    source.seek(0)
    start = source.read(512).lstrip()
    source.seek(0)
    if start.startswith((b"<", b"\xef\xbb\xbf<")):
        return _parse_xml(source)
    return _parse_flat(source, _codec(charset))


def _codec(charset: str | None) -> str:
    """The Python codec for a Content-Type charset; Windows-1252 (the default of the Latin
    marketplaces) for a missing or unknown label."""
    if not charset:
        return "cp1252"
    name = _CODEC_ALIASES.get(charset.strip().lower(), charset.strip())
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "cp1252"


# ---- XML --------------------------------------------------------------------------------------


def _int(node: Node, name: str) -> int | None:
    value = node.text(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise UnreadableReport(f"<{name}> is not a number: {value!r}") from None


def _parse_xml(source: BinaryIO) -> ProcessingReport:
    size = source.seek(0, io.SEEK_END)
    source.seek(0)
    if size > MAX_XML_BYTES:
        raise UnreadableReport(
            f"the XML report is {size} bytes, more than the {MAX_XML_BYTES} read into memory; "
            "download it to read it"
        )
    try:
        root = parse_document(source)
    except InvalidResponseError as exc:
        raise UnreadableReport(str(exc)) from None
    elements = (el for el in root.iter() if isinstance(el.tag, str))
    report_element = next((el for el in elements if local_name(el) == "ProcessingReport"), None)
    if report_element is None:
        raise UnreadableReport("the XML has no <ProcessingReport>")
    node = Node(report_element)
    report = ProcessingReport(status_code=node.text("StatusCode") or "")
    summary = node.first("ProcessingSummary")
    if summary is not None:
        report.processed = _int(summary, "MessagesProcessed")
        report.successful = _int(summary, "MessagesSuccessful")
        report.with_error = _int(summary, "MessagesWithError")
        report.with_warning = _int(summary, "MessagesWithWarning")
    for result in node.all("Result"):
        info = result.first("AdditionalInfo")
        result_type = result.text("ResultCode") or ""
        report.results.append(
            MessageResult(
                message_id=_int(result, "MessageID"),
                sku=(info.text("SKU") if info else None) or "",
                order_id=(info.text("AmazonOrderID") if info else None) or "",
                code=result.text("ResultMessageCode") or "",
                result_type=result_type,
                is_error=is_error_type(result_type),
                description=result.text("ResultDescription") or "",
            )
        )
    return report


# ---- flat file --------------------------------------------------------------------------------

_NUMBER_AT_END = re.compile(r"(\d[\d,.]*)\s*$")


def _lines(source: BinaryIO, charset: str) -> Iterator[str]:
    text = io.TextIOWrapper(source, encoding=charset, errors="replace", newline="")
    try:
        for line in text:
            yield line.rstrip("\r\n")
    finally:
        text.detach()


def _parse_flat(source: BinaryIO, charset: str) -> ProcessingReport:
    lines = _lines(source, charset)
    report = ProcessingReport()
    counts: list[int] = []
    header: list[str] | None = None
    for line in lines:
        if header is None:
            cells = line.split("\t")
            if line.startswith("\t") or not line.strip():
                # Summary lines: a tab, the label, two tabs, the number.
                match = _NUMBER_AT_END.search(line)
                if match:
                    counts.append(int(re.sub(r"[,.]", "", match.group(1))))
                continue
            if len(cells) >= 4:
                header = [cell.strip().lower() for cell in cells]
            continue
        if not line.strip():
            continue
        report.results.append(_flat_result(header, line.split("\t")))
    if not counts and header is None:
        raise UnreadableReport("the text has neither a processing summary nor a result table")
    # Processed, then successful; the rest is counted from the table (MWS writes only the two).
    if counts:
        report.processed = counts[0]
    if len(counts) > 1:
        report.successful = counts[1]
    report.with_error = sum(1 for r in report.results if r.is_error)
    report.with_warning = sum(1 for r in report.results if not r.is_error)
    report.status_code = "Complete"
    return report


def _flat_result(header: list[str], cells: list[str]) -> MessageResult:
    row = dict(zip(header, cells, strict=False))
    # The message is the last column and may itself contain tabs.
    message = "\t".join(cells[len(header) - 1 :]) if len(cells) >= len(header) else ""
    record = row.get("original-record-number", "").strip()
    result_type = row.get("error-type", "").strip()
    return MessageResult(
        message_id=int(record) if record.isdigit() else None,
        sku=row.get("sku", "").strip(),
        order_id=row.get("order-id", "").strip(),
        code=row.get("error-code", "").strip(),
        result_type=result_type,
        is_error=is_error_type(result_type),
        description=message.strip() or row.get("error-message", "").strip(),
    )
