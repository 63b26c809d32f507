"""Portal-wide pages: the landing page after login and the health endpoint."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from mwsportal import health
from mwsportal.onboarding import onboarding_checklist


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"checklist": onboarding_checklist(request.user)})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The status (and 503 when a dependency is down) for anyone, such as a load balancer; the
    checks with their endpoints and errors only for staff or with ``HEALTHZ_TOKEN``, since they
    describe the inside of the deployment."""
    checks = health.run_all_checks()
    healthy = all(result.ok for result in checks.values())
    body: dict[str, object] = {"status": "ok" if healthy else "degraded"}
    if health.may_see_detail(request):
        body["checks"] = {name: result.as_dict() for name, result in checks.items()}
    return JsonResponse(body, status=200 if healthy else 503)
