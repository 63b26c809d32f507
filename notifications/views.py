"""Notice pages: the list with mark-as-read, and the e-mail settings.

Notices are reached only through ``Notice.objects.for_user``, so another user's notice is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notifications import services
from notifications.forms import NotificationSettingsForm
from notifications.models import Notice

PAGE_SIZE = 25


@login_required
@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    notices = Notice.objects.for_user(request.user).select_related("seller")
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    unread = Notice.objects.for_user(request.user).unread().count()
    return render(request, "notifications/list.html", {"page": page, "unread": unread})


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(Notice.objects.for_user(request.user), pk=pk)
    services.mark_read(notice)
    return redirect("notifications:list")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(request.user)
    messages.success(
        request,
        f"{count} notice{'s' if count != 1 else ''} marked as read."
        if count
        else "There were no unread notices.",
    )
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    current = services.settings_for(request.user)
    form = NotificationSettingsForm(
        request.POST or None,
        initial={"email_kinds": current.email_kinds, "daily_digest": current.daily_digest},
    )
    if request.method == "POST" and form.is_valid():
        services.update_settings(
            request.user,
            email_kinds=form.cleaned_data["email_kinds"],
            daily_digest=form.cleaned_data["daily_digest"],
        )
        messages.success(request, "Notification settings saved.")
        return redirect("notifications:settings")
    return render(
        request,
        "notifications/settings.html",
        {"form": form, "has_email": bool(request.user.email)},
    )
