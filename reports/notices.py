"""What the owner of a seller account hears about its reports (``notifications.notify`` writes
and mails the notice; what it says is the reports app's business)."""

from __future__ import annotations

from django.template.defaultfilters import filesizeformat
from django.urls import reverse

from notifications.models import Kind, Notice
from notifications.services import notify
from reports.models import Report, ReportRequest
from sellers.models import Seller

# Amazon finished these requests without a report.
NO_REPORT = (ReportRequest.Status.DONE_NO_DATA, ReportRequest.Status.CANCELLED)


def notify_report_ready(report: Report) -> Notice:
    link = (
        reverse("reports:request", kwargs={"pk": report.request_id})
        if report.request_id
        else reverse("reports:seller", kwargs={"seller_pk": report.seller_id})
    )
    size = f" ({filesizeformat(report.size)})" if report.size is not None else ""
    return notify(
        report.seller,
        Kind.REPORT_READY,
        title=f"{report.report_type_name} is ready",
        message=(
            f"The report for {report.seller.name} is downloaded{size} and ready to preview, "
            "export or download."
        ),
        link=link,
    )


def notify_report_failed(
    seller: Seller, report_request: ReportRequest | None, report: Report | None
) -> Notice:
    subject = report or report_request
    assert subject is not None, "a failed report has a request or a report"
    link = (
        reverse("reports:request", kwargs={"pk": report_request.pk})
        if report_request is not None
        else reverse("reports:seller", kwargs={"seller_pk": seller.pk})
    )
    if report is None and report_request is not None and report_request.status in NO_REPORT:
        # Amazon finished the request without a report: not an error, but worth knowing.
        title = f"{report_request.report_type_name}: no report"
        message = (
            f"Amazon finished the request for {seller.name} without a report: "
            f"{report_request.get_status_display().lower()}."
        )
    else:
        title = f"{subject.report_type_name} failed"
        message = f"The report for {seller.name} could not be made or downloaded."
        if subject.error_message:
            message += f" Amazon said: {subject.error_message}"
    return notify(seller, Kind.REPORT_FAILED, title=title, message=message, link=link)
