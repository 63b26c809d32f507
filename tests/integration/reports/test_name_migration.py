"""The migration that adds the stored report names fills them for the requests and reports
written before it, so an old list sorted "by report" follows the names at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("reports", "0008_orderline_indexes_per_report")]
AFTER = [("reports", "0009_report_names_for_sorting")]

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def test_rows_written_before_get_their_names():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old_apps = _migrate(BEFORE)
        owner = old_apps.get_model("auth", "User").objects.create(username="old")
        seller = old_apps.get_model("sellers", "Seller").objects.create(
            owner=owner, seller_id="A1OLDNAMES", region="NA", name="Old"
        )
        old_apps.get_model("reports", "ReportRequest").objects.create(
            seller=seller, report_type="_GET_AFN_INVENTORY_DATA_"
        )
        old_apps.get_model("reports", "Report").objects.create(
            seller=seller, report_id="1", report_type="_GET_SOMETHING_NEW_"
        )

        new_apps = _migrate(AFTER)
        request = new_apps.get_model("reports", "ReportRequest").objects.get()
        assert request.type_name == "FBA inventory report"
        assert new_apps.get_model("reports", "Report").objects.get().type_name == (
            "_GET_SOMETHING_NEW_"
        )
    finally:
        _migrate(latest)
