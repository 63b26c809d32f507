"""The moved tables take the partners app's names (``partners_*``), and the content types
follow the models, so staff permissions and the admin's history stay attached to them.

Renaming keeps every row; foreign keys into these tables follow the rename.
"""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

MODELS = (
    "partner",
    "apikey",
    "grant",
    "idempotentrequest",
    "webhookendpoint",
    "webhookdelivery",
)


def _relabel(apps: Apps, old: str, new: str) -> None:
    content_types = apps.get_model("contenttypes", "ContentType").objects
    taken = set(content_types.filter(app_label=new, model__in=MODELS).values_list("model", flat=True))
    content_types.filter(app_label=old, model__in=set(MODELS) - taken).update(app_label=new)


def to_partners(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _relabel(apps, "sellers", "partners")


def to_sellers(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _relabel(apps, "partners", "sellers")


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        *(migrations.AlterModelTable(name=model, table=None) for model in MODELS),
        migrations.RunPython(to_partners, to_sellers),
    ]
