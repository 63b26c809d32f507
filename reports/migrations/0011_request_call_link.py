"""A report request points at its RequestReport call, instead of being found again through the
call's JSON context. Requests made before the upgrade are linked to the calls they made."""

import django.db.models.deletion
from django.db import migrations, models


def link_existing_calls(apps, schema_editor):
    MWSCall = apps.get_model("gateway", "MWSCall")
    ReportRequest = apps.get_model("reports", "ReportRequest")
    calls = MWSCall.objects.filter(handler="reports.services.on_report_requested").order_by("pk")
    for call_id, request_id in calls.values_list("pk", "context__report_request").iterator():
        if request_id is not None:
            ReportRequest.objects.filter(pk=request_id).update(request_call_id=call_id)


class Migration(migrations.Migration):
    dependencies = [
        ("gateway", "0001_initial"),
        ("reports", "0010_handlers_by_dotted_path"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportrequest",
            name="request_call",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="gateway.mwscall",
            ),
        ),
        migrations.RunPython(link_existing_calls, migrations.RunPython.noop),
    ]
