"""The move of the partner models from the sellers app keeps every row: rows written under the
old state (sellers 0005) are found by the partners models after migrating forward, foreign
keys from and to them still join, and migrating back returns them to the sellers tables."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("sellers", "0005_webhook_endpoint_busy_and_failing"), ("partners", None)]
AFTER = [
    ("sellers", "0006_partners_move_to_their_own_app"),
    ("partners", "0002_tables_named_after_the_app"),
]

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets: list[tuple[str, str | None]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(
        [target for target in targets if target[1] is not None]
    ).apps


def _latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def _old_rows(old_apps) -> dict[str, int]:
    owner = old_apps.get_model("auth", "User").objects.create(
        username="mover", email="mover@example.com"
    )
    seller = old_apps.get_model("sellers", "Seller").objects.create(
        owner=owner, seller_id="A1MOVEDSELLER", region="NA", name="Moved"
    )
    partner = old_apps.get_model("sellers", "Partner").objects.create(name="Moving partner")
    key = old_apps.get_model("sellers", "ApiKey").objects.create(
        partner=partner, name="ci", prefix="abc123", hashed_key="0" * 64
    )
    grant = old_apps.get_model("sellers", "Grant").objects.create(
        partner=partner, seller=seller, scopes=["read_reports"]
    )
    endpoint = old_apps.get_model("sellers", "WebhookEndpoint").objects.create(
        partner=partner, url="https://hooks.example.com/", events=["feed.done"], secret="whsec_x"
    )
    delivery = old_apps.get_model("sellers", "WebhookDelivery").objects.create(
        endpoint=endpoint, event="feed.done", payload={"id": "1"}
    )
    record = old_apps.get_model("sellers", "IdempotentRequest").objects.create(
        partner=partner, key="retry-1", path="/api/v1/webhooks/", status=201, body={"id": 1}
    )
    return {
        "seller": seller.pk,
        "partner": partner.pk,
        "key": key.pk,
        "grant": grant.pk,
        "endpoint": endpoint.pk,
        "delivery": delivery.pk,
        "record": record.pk,
    }


def _assert_found(new_apps, app: str, rows: dict[str, int]) -> None:
    partner = new_apps.get_model(app, "Partner").objects.get(pk=rows["partner"])
    assert partner.name == "Moving partner"
    assert new_apps.get_model(app, "ApiKey").objects.get(pk=rows["key"]).partner_id == partner.pk
    grant = new_apps.get_model(app, "Grant").objects.select_related("seller").get(pk=rows["grant"])
    assert (grant.seller.seller_id, grant.scopes) == ("A1MOVEDSELLER", ["read_reports"])
    delivery = new_apps.get_model(app, "WebhookDelivery").objects.select_related("endpoint")
    assert delivery.get(pk=rows["delivery"]).endpoint.partner_id == partner.pk
    record = new_apps.get_model(app, "IdempotentRequest").objects.get(pk=rows["record"])
    assert (record.key, record.status, record.body) == ("retry-1", 201, {"id": 1})
    seller = new_apps.get_model("sellers", "Seller").objects.get(pk=rows["seller"])
    assert list(seller.grants.values_list("pk", flat=True)) == [rows["grant"]]


def test_rows_written_before_the_move_are_found_after_it_and_after_going_back():
    latest = _latest()
    try:
        old_apps = _migrate(BEFORE)
        tables = connection.introspection.table_names()
        assert "sellers_partner" in tables
        assert "partners_partner" not in tables
        rows = _old_rows(old_apps)

        new_apps = _migrate(AFTER)
        tables = connection.introspection.table_names()
        assert {"partners_partner", "partners_webhookdelivery"} <= set(tables)
        assert not [name for name in tables if name.startswith("sellers_") and "partner" in name]
        _assert_found(new_apps, "partners", rows)

        back_apps = _migrate(BEFORE)
        assert "sellers_partner" in connection.introspection.table_names()
        _assert_found(back_apps, "sellers", rows)
    finally:
        _migrate(latest)
        ContentType.objects.clear_cache()


def test_the_content_types_follow_the_models():
    latest = _latest()
    try:
        _migrate(BEFORE)
        ContentType.objects.filter(app_label="partners").delete()
        old, _ = ContentType.objects.get_or_create(app_label="sellers", model="apikey")
        _migrate(AFTER)
        assert ContentType.objects.get(pk=old.pk).app_label == "partners"
        _migrate(BEFORE)
        assert ContentType.objects.get(pk=old.pk).app_label == "sellers"
    finally:
        _migrate(latest)
        ContentType.objects.clear_cache()
