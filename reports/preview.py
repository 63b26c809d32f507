"""The first rows of a stored report, for a preview page.

Only the beginning of the file is read (``PREVIEW_BYTES``), so a multi-gigabyte report
previews as fast as a small one. Flat files are decoded as ``reports.reading`` decodes them: the
charset the report declared (Content-Type of the GetReport answer), else its marketplace's, and
a UTF-8 byte order mark wins; XML reports are shown pretty-printed up to that point.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field

from django.core.files.storage import default_storage
from lxml import etree

from reports.models import Report
from reports.reading import choose_encoding

PREVIEW_BYTES = 256 * 1024
PREVIEW_ROWS = 50
XML_PREVIEW_LINES = 200


@dataclass
class Preview:
    format: str
    encoding: str
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    text: str = ""
    # More of the report exists than is shown.
    truncated: bool = False
    # Why nothing is shown; the download is still there.
    refused: str = ""


def _read_head(report: Report) -> tuple[bytes, bool]:
    with default_storage.open(report.file, "rb") as handle:
        head = handle.read(PREVIEW_BYTES + 1)
    return head[:PREVIEW_BYTES], len(head) > PREVIEW_BYTES


def _decode(head: bytes, encoding: str, *, complete: bool) -> str:
    # A byte order mark chose the encoding (choose_encoding); it is not part of the text.
    head = head.removeprefix(codecs.BOM_UTF8)
    # Incremental, so a character cut in two at the end of the head is not garbled.
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    return decoder.decode(head, final=complete)


def preview_report(report: Report, *, rows: int = PREVIEW_ROWS) -> Preview:
    head, truncated = _read_head(report)
    if report.format == "xml" or report.content_type.endswith("xml"):
        return _xml_preview(head, truncated)
    encoding = choose_encoding(head, report.charset, report.marketplace_id)
    text = _decode(head, encoding, complete=not truncated)
    lines = text.splitlines()
    if truncated and lines:
        lines.pop()  # the last line was cut by the read limit
    reader = csv.reader(
        io.StringIO("\n".join(lines[: rows + 1])), delimiter="\t", quoting=csv.QUOTE_NONE
    )
    parsed = list(reader)
    return Preview(
        format="flat_file",
        encoding=encoding,
        headers=parsed[0] if parsed else [],
        rows=parsed[1:],
        truncated=truncated or len(lines) > rows + 1,
    )


DOCTYPE_REFUSED = (
    "The report declares a DOCTYPE (a DTD or entities). MWS reports never do, and such a "
    "document can read files or expand to gigabytes, so it is not previewed."
)


def _xml_preview(head: bytes, truncated: bool) -> Preview:
    """Pretty-print the beginning of an XML document, however it was cut off."""
    if b"<!DOCTYPE" in head:
        # A DOCTYPE can only come before the root element, so the head shows it.
        return Preview(format="xml", encoding="utf-8", refused=DOCTYPE_REFUSED)
    parser = etree.XMLPullParser(
        events=("start", "end"), resolve_entities=False, no_network=True, huge_tree=False
    )
    out: list[str] = []
    opened: list[int] = []
    try:
        parser.feed(head)
        for event, element in parser.read_events():
            tag = etree.QName(element).localname
            indent = "  " * len(opened) if event == "start" else "  " * (len(opened) - 1)
            if event == "start":
                attributes = "".join(
                    f' {etree.QName(k).localname}="{v}"' for k, v in element.attrib.items()
                )
                opened.append(len(out))
                out.append(f"{indent}<{tag}{attributes}>")
                continue
            line = opened.pop()
            if len(element) == 0:
                # A leaf: its text is only known now; shown on its opening line.
                text = (element.text or "").strip()
                out[line] = f"{out[line]}{text}</{tag}>"
            else:
                out.append(f"{indent}</{tag}>")
            if len(out) >= XML_PREVIEW_LINES:
                truncated = True
                break
    except etree.XMLSyntaxError:
        # Shown as far as it parsed; the rest is in the download.
        truncated = True
    return Preview(format="xml", encoding="utf-8", text="\n".join(out), truncated=truncated)
