"""Keeping the stored report names (``type_name``, what the lists sort "by report" on) in
step with the catalog, for rows written before a name was added or changed.

New rows get their name when they are saved; this is for data migrations, which run it on
the historical models of ``ReportRequest`` and ``Report``."""

from __future__ import annotations

from typing import Any

from django.db.models import F

from mwsportal.gateway.mws import REPORT_TYPES


def refresh_type_names(model: Any) -> int:
    """Give every row of ``model`` its report type's catalog name (a type the catalog does
    not know: its code); returns the rows changed. One UPDATE per catalog type, each touching
    only the rows whose name differs."""
    changed = 0
    for code, info in REPORT_TYPES.items():
        rows = model.objects.filter(report_type=code).exclude(type_name=info.name)
        changed += rows.update(type_name=info.name)
    unknown = model.objects.exclude(report_type__in=list(REPORT_TYPES))
    changed += unknown.exclude(type_name=F("report_type")).update(type_name=F("report_type"))
    return changed
