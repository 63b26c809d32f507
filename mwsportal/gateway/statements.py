"""The statements a queue worker runs for every call, written as SQL.

Building these queries with the ORM cost about a millisecond of CPU each (filters, joins and
ordering compiled afresh every time), more than the rest of a call's bookkeeping together; as
SQL with parameters they cost a tenth of that. They stay plain enough for SQLite and
PostgreSQL alike, and return model instances (``Manager.raw``), so the code around them reads
as before. Everything else in the gateway uses the ORM.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection

from mwsportal.gateway import account
from mwsportal.gateway.models import CallQueue, MWSCall, seller_marketplace_model, seller_model

# The seller tables are those of the models the gateway's foreign keys point at, so the gateway
# names them without importing the app (this module is first imported once the apps are loaded).
_SELLER_MODEL = seller_model()
_QUEUES = CallQueue._meta.db_table
_CALLS = MWSCall._meta.db_table
_SELLERS = _SELLER_MODEL._meta.db_table
_MARKETPLACES = seller_marketplace_model()._meta.db_table


# Composed once from the models' own table names (never from input), with every value a
# parameter; hence the noqa of the SQL-injection rule.
_SELECT_LEASED_QUEUE = f"SELECT * FROM {_QUEUES} WHERE id = %s AND lease = %s"  # noqa: S608
_SELECT_SELLER = f"SELECT * FROM {_SELLERS} WHERE id = %s"  # noqa: S608
_SELECT_IN_FLIGHT = f"SELECT * FROM {_CALLS} WHERE queue_id = %s AND state = %s ORDER BY id"  # noqa: S608
_SELECT_HEAD = (
    f"SELECT * FROM {_CALLS} WHERE queue_id = %s AND state = %s AND available_at <= %s"  # noqa: S608
    " ORDER BY priority DESC, available_at, id LIMIT 1"
)
_UPDATE_SENDING = (
    f"UPDATE {_CALLS} SET state = %s, attempts = %s, ready_at = %s, sent_at = %s,"  # noqa: S608
    " retry_at = NULL WHERE id = %s"
)
_UPDATE_LEASE = (
    f"UPDATE {_QUEUES} SET lease = %s, lease_until = %s, next_check_at = %s"  # noqa: S608
    " WHERE id = %s"
)
_HAND_BACK = (
    f"UPDATE {_QUEUES} SET lease = %s, lease_until = %s, next_check_at = %s"  # noqa: S608
    " WHERE id = %s AND lease = %s"
)
_WHILE_OTHERS_DUE = (
    f" AND EXISTS (SELECT 1 FROM {_QUEUES} other WHERE other.next_check_at <= %s"  # noqa: S608
    " AND other.id <> %s AND EXISTS (SELECT 1 FROM"
    f" {_SELLERS} seller WHERE seller.id = other.seller_id AND seller.status = %s))"
)
_SELECT_MARKETPLACE_IDS = (
    f"SELECT marketplace_id FROM {_MARKETPLACES} WHERE seller_id = %s"  # noqa: S608
    " ORDER BY name, marketplace_id"
)


def _at(moment: datetime | None) -> str | None:
    """A datetime as the backend stores it (SQLite keeps UTC text, PostgreSQL a timestamptz)."""
    return connection.ops.adapt_datetimefield_value(moment)


def leased_queue(queue_id: int, lease: str) -> CallQueue | None:
    """The queue if it is held under ``lease``, locked for this transaction (PostgreSQL; on
    SQLite the transaction holds the write lock), with its seller."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    queue = next(
        iter(CallQueue.objects.raw(_SELECT_LEASED_QUEUE + lock, [queue_id, lease])),
        None,
    )
    if queue is None:
        return None
    seller = next(iter(_SELLER_MODEL._default_manager.raw(_SELECT_SELLER, [queue.seller_id])))
    # Cached on the queue as the foreign key itself would, so ``queue.seller`` reads it.
    CallQueue.seller.field.set_cached_value(queue, seller)
    return queue


def calls_in_flight(queue_id: int) -> list[MWSCall]:
    """The queue's calls marked as sending (left so by a worker that died)."""
    return list(MWSCall.objects.raw(_SELECT_IN_FLIGHT, [queue_id, MWSCall.State.SENDING]))


def head_of_queue(queue_id: int, now: datetime) -> MWSCall | None:
    """The queued call that goes next: highest priority, then in the order asked for, among
    those whose time has come (the order of the ``gateway_call_queue_order`` index)."""
    return next(
        iter(MWSCall.objects.raw(_SELECT_HEAD, [queue_id, MWSCall.State.QUEUED, _at(now)])),
        None,
    )


def mark_sending(call: MWSCall) -> None:
    """Store the claim of ``call`` (its state, attempt count and times, already set on it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _UPDATE_SENDING,
            [call.state, call.attempts, _at(call.ready_at), _at(call.sent_at), call.pk],
        )


def store_lease(queue: CallQueue) -> None:
    """Store the queue's lease, its end and its next check (already set on it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _UPDATE_LEASE,
            [queue.lease, _at(queue.lease_until), _at(queue.next_check_at), queue.pk],
        )


def hand_back(
    queue_id: int,
    lease: str,
    *,
    fresh_lease: str,
    lease_until: datetime | None,
    now: datetime,
    always: bool,
) -> bool:
    """Give the queue held under ``lease`` the ``fresh_lease`` ("" for none) and make it due
    now: ``always``, or only while another active seller's queue is due (a correlated EXISTS
    on the seller, so the due-time index drives the search and stops at the first). Returns
    whether the queue was handed back."""
    statement = _HAND_BACK
    params: list[str | int | None] = [fresh_lease, _at(lease_until), _at(now), queue_id, lease]
    if not always:
        statement += _WHILE_OTHERS_DUE
        params += [_at(now), queue_id, account.ACTIVE]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        handed: bool = cursor.rowcount == 1
        return handed


def marketplace_ids(seller_id: int) -> list[str]:
    """The ids of the marketplaces a seller sells in, in the model's order."""
    with connection.cursor() as cursor:
        cursor.execute(_SELECT_MARKETPLACE_IDS, [seller_id])
        return [row[0] for row in cursor.fetchall()]
