"""Staff see on the user pages whether a sign-up confirmed its e-mail address."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from mwsportal.accounts.forms import ThrottledAdminAuthenticationForm
from mwsportal.accounts.models import EmailConfirmation


class EmailConfirmationInline(admin.StackedInline):
    model = EmailConfirmation
    can_delete = False
    extra = 0
    max_num = 1
    fields = ("created_at", "confirmed_at")
    readonly_fields = ("created_at", "confirmed_at")
    verbose_name_plural = "email confirmation (sign-up)"

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class PortalUserAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, EmailConfirmationInline]
    list_display = (*UserAdmin.list_display, "is_active", "email_state", "date_joined")
    list_filter = (*UserAdmin.list_filter, "email_confirmation__confirmed_at")
    list_per_page = 100
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("email_confirmation")

    @admin.display(description="email")
    def email_state(self, user: object) -> str:
        confirmation = getattr(user, "email_confirmation", None)
        if confirmation is None:
            return "made by staff"
        return "confirmed" if confirmation.confirmed_at else "waiting for confirmation"


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), PortalUserAdmin)
# Failed staff logins count towards the same per-account and per-address lockout.
admin.site.login_form = ThrottledAdminAuthenticationForm
