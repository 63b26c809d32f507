"""Re-encrypt every encrypted column under the newest key of FIELD_ENCRYPTION_KEYS."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.db.models.functions import Cast

from mwsportal import fields

RAW = "_ciphertext"


@dataclass
class ColumnReport:
    label: str
    rotated: int = 0
    needing_old_key: int = 0
    unreadable: int = 0


def encrypted_columns() -> list[tuple[type[models.Model], fields.EncryptedTextField]]:
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, fields.EncryptedTextField)
    ]


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted column (MWS Auth Tokens and other secrets) under the newest "
        "key in FIELD_ENCRYPTION_KEYS, in batches, each inside its own transaction. With --check "
        "nothing is written: it reports how many rows still need an old key and exits with "
        "status 1 while any do. Run it after putting a new key first, and drop an old key only "
        "once --check reports zero."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only count the rows that still need an old key; change nothing.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=500,
            help="Rows re-encrypted per transaction (default 500).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        reports = [
            self._process(model, field, check=options["check"], batch_size=options["batch_size"])
            for model, field in encrypted_columns()
        ]
        for report in reports:
            if options["check"]:
                line = f"{report.label}: {report.needing_old_key} row(s) still need an old key"
            else:
                line = f"{report.label}: re-encrypted {report.rotated} row(s) under the newest key"
            if report.unreadable:
                line += f"; {report.unreadable} row(s) cannot be decrypted with any key"
            self.stdout.write(line)
        unreadable = sum(r.unreadable for r in reports)
        if unreadable:
            raise CommandError(
                f"{unreadable} row(s) cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS. "
                "Put back the key they were written with, then run this command again."
            )
        remaining = sum(r.needing_old_key for r in reports)
        if remaining:
            raise CommandError(
                f"{remaining} row(s) still need an old key: keep it in FIELD_ENCRYPTION_KEYS and "
                "run rotate_encryption_keys without --check."
            )
        self.stdout.write(self.style.SUCCESS("Every encrypted value uses the newest key."))

    def _process(
        self,
        model: type[models.Model],
        field: fields.EncryptedTextField,
        *,
        check: bool,
        batch_size: int,
    ) -> ColumnReport:
        report = ColumnReport(f"{model._meta.label}.{field.name}")
        where = f"{model._meta.db_table}.{field.column}"
        manager = model._default_manager
        last_pk: Any = None
        while True:
            with transaction.atomic():
                rows = manager.filter(**{f"{field.name}__isnull": False})
                if last_pk is not None:
                    rows = rows.filter(pk__gt=last_pk)
                if not check:
                    # Locks the batch so a concurrent token replacement is not overwritten with
                    # the re-encrypted old value.
                    rows = rows.select_for_update()
                # The Cast reads the stored ciphertext without the field decrypting it.
                batch = list(
                    rows.order_by("pk")
                    .annotate(**{RAW: Cast(field.name, models.TextField())})
                    .values_list("pk", RAW)[:batch_size]
                )
                for pk, ciphertext in batch:
                    if not fields.needs_rotation(ciphertext):
                        continue
                    if check:
                        self._count_old(report, ciphertext, where)
                        continue
                    try:
                        rotated = fields.rotate(ciphertext, where=where)
                    except fields.DecryptionError:
                        report.unreadable += 1
                        continue
                    # A plain TextField value: the ciphertext is written as it is, not encrypted
                    # a second time by the field.
                    manager.filter(pk=pk).update(
                        **{field.name: models.Value(rotated, output_field=models.TextField())}
                    )
                    report.rotated += 1
            if len(batch) < batch_size:
                return report
            last_pk = batch[-1][0]

    @staticmethod
    def _count_old(report: ColumnReport, ciphertext: str, where: str) -> None:
        try:
            fields.decrypt(ciphertext, where=where)
        except fields.DecryptionError:
            report.unreadable += 1
        else:
            report.needing_old_key += 1
