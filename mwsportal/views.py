"""Portal-wide pages: the landing page after login and the health endpoint."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from mwsportal import health


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = health.run_all_checks()
    healthy = all(result.ok for result in checks.values())
    body = {
        "status": "ok" if healthy else "degraded",
        "checks": {name: result.as_dict() for name, result in checks.items()},
    }
    return JsonResponse(body, status=200 if healthy else 503)
