"""WSGI entry point (gunicorn mwsportal.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mwsportal.settings")
application = get_wsgi_application()
