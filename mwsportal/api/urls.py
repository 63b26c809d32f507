"""``/api/``: the project's composition of the apps' partner routes under ``v1/``, plus the
schema, its docs and a JSON 404 for every other path.

Each app owns its routes (``<app>/api_urls.py``); they are included by name, so the API
framework imports no app. The route names stay in the ``api`` namespace.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from mwsportal.api.errors import unknown_route

# In the order the schema lists them.
APP_ROUTES = ("partners.api_urls", "reports.api_urls", "feeds.api_urls")

urlpatterns = [
    *(path("v1/", include(module)) for module in APP_ROUTES),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^(?P<path>.*)$", unknown_route, name="unknown"),
]
