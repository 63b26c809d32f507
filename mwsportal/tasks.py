"""Tasks that belong to the portal as a whole rather than to one app."""

from celery import shared_task
from django.db import connection


@shared_task(name="mwsportal.health_check")
def health_check() -> dict[str, str]:
    """Proves that a worker picks up tasks and can reach the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"worker": "ok", "database": "ok"}
