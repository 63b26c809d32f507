"""Processing reports in both forms become a summary and per-message results."""

from __future__ import annotations

import io

import pytest

from feeds.processing_report import UnreadableReport, parse_processing_report

XML_REPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">
\t<Header><DocumentVersion>1.02</DocumentVersion><MerchantIdentifier>M</MerchantIdentifier></Header>
\t<MessageType>ProcessingReport</MessageType>
\t<Message>
\t\t<MessageID>1</MessageID>
\t\t<ProcessingReport>
\t\t\t<DocumentTransactionID>51793018437</DocumentTransactionID>
\t\t\t<StatusCode>Complete</StatusCode>
\t\t\t<ProcessingSummary>
\t\t\t\t<MessagesProcessed>3</MessagesProcessed>
\t\t\t\t<MessagesSuccessful>2</MessagesSuccessful>
\t\t\t\t<MessagesWithError>1</MessagesWithError>
\t\t\t\t<MessagesWithWarning>1</MessagesWithWarning>
\t\t\t</ProcessingSummary>
\t\t\t<Result>
\t\t\t\t<MessageID>3</MessageID>
\t\t\t\t<ResultCode>Warning</ResultCode>
\t\t\t\t<ResultMessageCode>5000</ResultMessageCode>
\t\t\t\t<ResultDescription>The update was skipped.</ResultDescription>
\t\t\t\t<AdditionalInfo><SKU>SKU-C</SKU></AdditionalInfo>
\t\t\t</Result>
\t\t\t<Result>
\t\t\t\t<AdditionalInfo><SKU>SKU-B</SKU></AdditionalInfo>
\t\t\t\t<ResultDescription>The SKU does not exist.</ResultDescription>
\t\t\t\t<ResultMessageCode>13013</ResultMessageCode>
\t\t\t\t<ResultCode>Error</ResultCode>
\t\t\t\t<MessageID>2</MessageID>
\t\t\t</Result>
\t\t</ProcessingReport>
\t</Message>
</AmazonEnvelope>
"""  # noqa: E501


def test_the_xml_form_gives_summary_and_results_by_message_and_sku():
    report = parse_processing_report(io.BytesIO(XML_REPORT), None)
    assert report.status_code == "Complete"
    assert (report.processed, report.successful, report.with_error, report.with_warning) == (
        3,
        2,
        1,
        1,
    )
    by_id = {r.message_id: r for r in report.results}
    assert (by_id[2].sku, by_id[2].code, by_id[2].is_error) == ("SKU-B", "13013", True)
    assert (by_id[3].sku, by_id[3].result_type, by_id[3].is_error) == ("SKU-C", "Warning", False)
    assert by_id[2].description == "The SKU does not exist."


def test_a_document_level_error_is_message_zero():
    body = (
        b"<AmazonEnvelope><MessageType>ProcessingReport</MessageType><Message><MessageID>1"
        b"</MessageID><ProcessingReport><DocumentTransactionID>1</DocumentTransactionID>"
        b"<StatusCode>Complete</StatusCode><Result><MessageID>0</MessageID><ResultCode>Error"
        b"</ResultCode><ResultMessageCode>5000</ResultMessageCode><ResultDescription>XML Parsing"
        b" Error at Line 22, Column 28</ResultDescription></Result></ProcessingReport></Message>"
        b"</AmazonEnvelope>"
    )
    (result,) = parse_processing_report(io.BytesIO(body), None).results
    assert (result.message_id, result.code, result.sku, result.is_error) == (0, "5000", "", True)


FLAT_REPORT = (
    "Feed Processing Summary:\n"
    "\tNumber of records processed\t\t3\n"
    "\tNumber of records successful\t\t1\n"
    "\n"
    "original-record-number\tsku\terror-code\terror-type\terror-message\n"
    "2\tSKU-B\t13013\tError\tThe SKU was not found.\n"
    "3\tSKU-Ç\t5000\tWarning\tSkipped: identical to feed '577398017648'.\tmore\n"
).encode("windows-1252")


def test_the_flat_form_gives_summary_and_results_by_record_and_sku():
    report = parse_processing_report(io.BytesIO(FLAT_REPORT), "windows-1252")
    assert (report.processed, report.successful, report.with_error, report.with_warning) == (
        3,
        1,
        1,
        1,
    )
    error, warning = report.results
    assert (error.message_id, error.sku, error.code, error.is_error) == (2, "SKU-B", "13013", True)
    assert (warning.sku, warning.is_error) == ("SKU-Ç", False)
    # A tab inside the message does not cut it short.
    assert warning.description == "Skipped: identical to feed '577398017648'.\tmore"


def test_a_localized_flat_report_is_read_by_shape():
    body = ("フィード処理結果\uff1a\n\t処理された件数\t\t2\n\t成功した件数\t\t2\n\n").encode(
        "shift_jis"
    )
    report = parse_processing_report(io.BytesIO(body), "Shift_JIS")
    assert (report.processed, report.successful, report.with_error, report.results) == (
        2,
        2,
        0,
        [],
    )
    german = (
        "Feed Processing Summary:\n\tx\t\t1\n\ty\t\t0\n\n"
        "original-record-number\tsku\terror-code\terror-type\terror-message\n"
        "1\tA\t8105\tFehler\tUngültig\n"
    ).encode("windows-1252")
    (result,) = parse_processing_report(io.BytesIO(german), "windows-1252").results
    assert result.is_error


@pytest.mark.parametrize("body", [b"<Nope><Deeper/></Nope>", b"just some words\n", b"<broken"])
def test_something_else_is_unreadable(body):
    with pytest.raises(UnreadableReport):
        parse_processing_report(io.BytesIO(body), None)


def test_charset_labels_python_does_not_know_are_mapped():
    body = "フィード処理結果\uff1a\n\t処理された件数\t\t5\n\t成功した件数\t\t4\n\n".encode("cp932")
    report = parse_processing_report(io.BytesIO(body), "Windows-31J")
    assert (report.processed, report.successful) == (5, 4)
    unknown = parse_processing_report(io.BytesIO(FLAT_REPORT), "x-unheard-of")
    assert unknown.results[1].sku == "SKU-Ç"  # read as Windows-1252
