"""A call names its result handler by the function's dotted path, checked when it is queued."""

from importlib import import_module

import pytest
from django.apps import apps

from feeds import services as feed_services
from mwsportal.gateway import handlers, services
from mwsportal.gateway.handlers import CallOutcome, handler_path, resolve_handler
from mwsportal.gateway.models import MWSCall
from reports import services as report_services
from tests.factories import SellerFactory


def noted(outcome: CallOutcome) -> None:
    """A module-level handler, found again by its path."""


def test_a_module_level_function_is_named_by_its_dotted_path():
    assert handler_path(noted) == f"{__name__}.noted"
    assert resolve_handler(handler_path(noted)) is noted
    assert handler_path(report_services.on_report_requested) == (
        "reports.services.on_report_requested"
    )


def test_a_handler_no_worker_could_find_again_is_refused_when_queued(db):
    seller = SellerFactory()

    def nested(outcome: CallOutcome) -> None:
        """Defined inside a function: its path imports nothing."""

    for handler in (nested, lambda outcome: None):
        with pytest.raises(ValueError, match="cannot be a result handler"):
            services.request_call(seller, "GetReportCount", handler=handler)
    assert not MWSCall.objects.exists()


def test_a_stored_path_that_imports_nothing_is_a_lookup_error():
    with pytest.raises(LookupError, match="no MWS result handler is found"):
        resolve_handler("reports.services.on_nothing_of_the_kind")


@pytest.mark.parametrize(
    ("app", "migration", "old", "handler"),
    [
        (
            "reports",
            "0010_handlers_by_dotted_path",
            "reports.report_requested",
            report_services.on_report_requested,
        ),
        ("feeds", "0005_handlers_by_dotted_path", "feeds.submitted", feed_services.on_submitted),
    ],
)
def test_calls_queued_before_the_upgrade_reach_their_handler(db, app, migration, old, handler):
    seller = SellerFactory()
    queued = services.request_call(seller, "GetReportCount")
    MWSCall.objects.filter(pk=queued.pk).update(handler=old)
    module = import_module(f"{app}.migrations.{migration}")
    module.to_dotted_paths(apps, None)
    queued.refresh_from_db()
    assert resolve_handler(queued.handler) is handler
    module.to_old_names(apps, None)
    queued.refresh_from_db()
    assert queued.handler == old


def test_a_path_longer_than_a_call_stores_is_refused(monkeypatch):
    monkeypatch.setattr(handlers, "MAX_HANDLER_PATH", 10)
    with pytest.raises(ValueError, match="longer than the 10 characters"):
        handler_path(noted)
