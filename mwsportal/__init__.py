"""MWS Portal: a multi-seller portal for Amazon MWS reports and feeds."""

from mwsportal.celery import app as celery_app

__all__ = ["celery_app"]
