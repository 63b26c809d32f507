"""Read stored reports into rows: the ones stored before report data existed, or again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reports import ingest
from reports.models import IngestState, Report


class Command(BaseCommand):
    help = (
        "Read stored reports into the portal's report data tables. By default every stored "
        "report that was never read (or whose reading failed); --all reads every stored report "
        "again, replacing its rows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="Read every stored report again.")
        parser.add_argument("--seller", type=int, help="Only this seller (its portal id).")
        parser.add_argument("--report", type=int, action="append", help="Only this report id.")

    def handle(self, *args: Any, **options: Any) -> None:
        reports = Report.objects.filter(state=Report.State.STORED).exclude(file="")
        if options["seller"]:
            reports = reports.filter(seller_id=options["seller"])
        if options["report"]:
            reports = reports.filter(pk__in=options["report"])
        if not options["all"]:
            reports = reports.exclude(data__state__in=[IngestState.DONE, IngestState.NOT_TABULAR])
        done = failed = 0
        for report in reports.order_by("id").iterator(chunk_size=100):
            data = ingest.ingest_report(report, force=options["all"])
            if data.state == IngestState.FAILED:
                failed += 1
                self.stderr.write(f"report {report.pk}: {data.error_message}")
            else:
                done += 1
                self.stdout.write(
                    f"report {report.pk}: {data.get_state_display()}, {data.row_count} rows"
                    + (f", {data.problem_count} unreadable" if data.problem_count else "")
                )
        self.stdout.write(self.style.SUCCESS(f"{done} read, {failed} failed."))
