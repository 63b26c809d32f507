"""A feed points at its latest SubmitFeed call and at the latest call of its reconciliation,
instead of being found again through the calls' JSON context. Feeds sent before the upgrade
are linked to the calls they made."""

import django.db.models.deletion
from django.db import migrations, models

LINKS = {
    "submit_call_id": "feeds.services.on_submitted",
    "reconcile_call_id": "feeds.services.on_reconciled",
}


def link_existing_calls(apps, schema_editor):
    MWSCall = apps.get_model("gateway", "MWSCall")
    FeedSubmission = apps.get_model("feeds", "FeedSubmission")
    for field, handler in LINKS.items():
        # In call order, so each feed ends up pointing at its latest call.
        calls = MWSCall.objects.filter(handler=handler).order_by("pk")
        for call_id, feed_id in calls.values_list("pk", "context__feed").iterator():
            if feed_id is not None:
                FeedSubmission.objects.filter(pk=feed_id).update(**{field: call_id})


class Migration(migrations.Migration):
    dependencies = [
        ("feeds", "0005_handlers_by_dotted_path"),
        ("gateway", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="feedsubmission",
            name="reconcile_call",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="gateway.mwscall",
            ),
        ),
        migrations.AddField(
            model_name="feedsubmission",
            name="submit_call",
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
