"""Partners, API keys, grants, Idempotency-Keys and webhooks move to the partners app.

Only the migration state changes here: the tables and their rows stay, and the partners app's
0001 takes the models over on the same tables.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("sellers", "0005_webhook_endpoint_busy_and_failing"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(model_name="grant", name="partner"),
                migrations.RemoveField(model_name="grant", name="seller"),
                migrations.RemoveField(model_name="idempotentrequest", name="partner"),
                migrations.RemoveField(model_name="webhookendpoint", name="partner"),
                migrations.RemoveField(model_name="webhookdelivery", name="endpoint"),
                migrations.DeleteModel(name="ApiKey"),
                migrations.DeleteModel(name="Grant"),
                migrations.DeleteModel(name="IdempotentRequest"),
                migrations.DeleteModel(name="Partner"),
                migrations.DeleteModel(name="WebhookDelivery"),
                migrations.DeleteModel(name="WebhookEndpoint"),
            ],
        ),
    ]
