"""Calls name their result handler by the function's dotted path instead of a registered name.

Calls queued before this upgrade carry the old names; they are rewritten so those calls still
reach their handler when they finish."""

from django.db import migrations

OLD_TO_DOTTED = {
    "reports.report_requested": "reports.services.on_report_requested",
    "reports.requests_cancelled": "reports.services.on_requests_cancelled",
    "reports.requests_polled": "reports.services.on_requests_polled",
    "reports.report_list_synced": "reports.services.on_report_list_synced",
    "reports.report_downloaded": "reports.services.on_report_downloaded",
    "reports.reports_acknowledged": "reports.services.on_reports_acknowledged",
    "reports.schedule_managed": "reports.services.on_schedule_managed",
    "reports.schedules_listed": "reports.services.on_schedules_listed",
}


def to_dotted_paths(apps, schema_editor):
    MWSCall = apps.get_model("gateway", "MWSCall")
    for old, dotted in OLD_TO_DOTTED.items():
        MWSCall.objects.filter(handler=old).update(handler=dotted)


def to_old_names(apps, schema_editor):
    MWSCall = apps.get_model("gateway", "MWSCall")
    for old, dotted in OLD_TO_DOTTED.items():
        MWSCall.objects.filter(handler=dotted).update(handler=old)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0009_report_names_for_sorting"),
        ("gateway", "0001_initial"),
    ]

    operations = [migrations.RunPython(to_dotted_paths, to_old_names)]
