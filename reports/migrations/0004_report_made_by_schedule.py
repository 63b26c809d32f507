from django.db import migrations, models
from django.db.models import Exists, OuterRef, Q


def mark_scheduled_reports(apps, schema_editor):
    """Reports found before the flag existed: made by a schedule when their request says so,
    or, with no request of ours, when the seller schedules that report type."""
    Report = apps.get_model("reports", "Report")
    ReportSchedule = apps.get_model("reports", "ReportSchedule")
    has_schedule = ReportSchedule.objects.filter(
        seller=OuterRef("seller"), report_type=OuterRef("report_type")
    )
    Report.objects.filter(
        Q(request__scheduled=True) | Q(Exists(has_schedule), request__isnull=True)
    ).update(scheduled=True)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_every_report_type"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="scheduled",
            field=models.BooleanField(
                default=False, help_text="Made by one of the seller's report schedules."
            ),
        ),
        migrations.RunPython(mark_scheduled_reports, migrations.RunPython.noop),
    ]
