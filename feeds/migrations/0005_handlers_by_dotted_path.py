"""Calls name their result handler by the function's dotted path instead of a registered name.

Calls queued before this upgrade carry the old names; they are rewritten so those calls still
reach their handler when they finish."""

from django.db import migrations

OLD_TO_DOTTED = {
    "feeds.submitted": "feeds.services.on_submitted",
    "feeds.reconciled": "feeds.services.on_reconciled",
    "feeds.polled": "feeds.services.on_polled",
    "feeds.result": "feeds.services.on_result",
    "feeds.cancelled": "feeds.services.on_cancelled",
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
        ("feeds", "0004_list_sort_indexes"),
        ("gateway", "0001_initial"),
    ]

    operations = [migrations.RunPython(to_dotted_paths, to_old_names)]
