"""The partners app takes over the models that lived in the sellers app, rows and all.

Nothing happens in the database here: the models enter this app's state on their old tables
(``sellers_*``), which the sellers app's 0006 has just let go of. 0002 renames the tables.
"""

import django.db.models.deletion
from django.db import migrations, models

import mwsportal.fields


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("sellers", "0006_partners_move_to_their_own_app"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Partner',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, unique=True)),
                        ('contact_email', models.EmailField(blank=True, max_length=254)),
                        ('is_active', models.BooleanField(default=True, help_text='Unticked: every key of the partner is refused.')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        'db_table': 'sellers_partner',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='ApiKey',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(help_text='What the key is used for.', max_length=100)),
                        ('prefix', models.CharField(editable=False, max_length=16, unique=True)),
                        ('hashed_key', models.CharField(editable=False, max_length=64)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('expires_at', models.DateTimeField(blank=True, help_text='Empty: never expires.', null=True)),
                        ('revoked_at', models.DateTimeField(blank=True, null=True)),
                        ('last_used_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('partner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_keys', to='partners.partner')),
                    ],
                    options={
                        'db_table': 'sellers_apikey',
                        'verbose_name': 'API key',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='WebhookEndpoint',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('url', models.URLField(max_length=500)),
                        ('events', models.JSONField(default=list)),
                        ('secret', mwsportal.fields.EncryptedTextField()),
                        ('is_active', models.BooleanField(default=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('busy_until', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('failing_since', models.DateTimeField(blank=True, null=True)),
                        ('disabled_at', models.DateTimeField(blank=True, null=True)),
                        ('disabled_reason', models.TextField(blank=True)),
                        ('partner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='webhooks', to='partners.partner')),
                    ],
                    options={
                        'db_table': 'sellers_webhookendpoint',
                        'ordering': ['pk'],
                    },
                ),
                migrations.CreateModel(
                    name='IdempotentRequest',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=255)),
                        ('path', models.CharField(max_length=500)),
                        ('fingerprint', models.CharField(blank=True, default='', max_length=64)),
                        ('scopes', models.JSONField(blank=True, default=list)),
                        ('status', models.PositiveSmallIntegerField(blank=True, null=True)),
                        ('body', models.JSONField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('partner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='partners.partner')),
                    ],
                    options={
                        'db_table': 'sellers_idempotentrequest',
                        'indexes': [models.Index(fields=['created_at'], name='idempotency_created')],
                        'constraints': [models.UniqueConstraint(fields=('partner', 'key'), name='idempotency_key_unique')],
                    },
                ),
                migrations.CreateModel(
                    name='Grant',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('scopes', models.JSONField(default=list)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('seller', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='grants', to='sellers.seller')),
                        ('partner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='grants', to='partners.partner')),
                    ],
                    options={
                        'db_table': 'sellers_grant',
                        'ordering': ['partner__name'],
                        'constraints': [models.UniqueConstraint(fields=('partner', 'seller'), name='grant_unique_per_seller')],
                    },
                ),
                migrations.CreateModel(
                    name='WebhookDelivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('event', models.CharField(choices=[('report.done', 'A report is downloaded and ready'), ('report.failed', 'A report request or its download failed'), ('feed.done', 'A feed is processed (or failed)'), ('seller.needs_reauthorization', 'A seller must authorize again')], max_length=64)),
                        ('payload', models.JSONField()),
                        ('state', models.CharField(choices=[('pending', 'Pending'), ('delivered', 'Delivered'), ('failed', 'Gave up')], default='pending', max_length=16)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('next_attempt_at', models.DateTimeField(blank=True, null=True)),
                        ('last_status', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='last HTTP status')),
                        ('last_error', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('delivered_at', models.DateTimeField(blank=True, null=True)),
                        ('endpoint', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='partners.webhookendpoint')),
                    ],
                    options={
                        'db_table': 'sellers_webhookdelivery',
                        'verbose_name_plural': 'webhook deliveries',
                        'ordering': ['-pk'],
                        'indexes': [models.Index(fields=['state', 'next_attempt_at'], name='webhook_delivery_due')],
                    },
                ),
            ],
        ),
    ]
