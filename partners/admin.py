"""Staff pages for partners: their API keys (shown once, when made), the grants sellers gave
them, webhook endpoints and the delivery log. Every change goes through ``partners.services``
as it does from the seller's settings page and the API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from partners import services
from partners.models import ApiKey, Grant, Partner, WebhookDelivery, WebhookEndpoint

if TYPE_CHECKING:
    # The stubs' name for what ``get_fields`` returns; it exists only for the type checker.
    from django.contrib.admin.options import _FieldGroups

API_KEY_COLUMNS = ("prefix", "name", "created_at", "expires_at", "revoked_at", "last_used_at")


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    extra = 0
    can_delete = False
    fields = API_KEY_COLUMNS
    readonly_fields = API_KEY_COLUMNS

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # keys are made on the API key page, which shows the key once


class GrantForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=Grant.Scope.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Grant
        fields = ["partner", "seller", "scopes"]


class GrantInline(admin.TabularInline):
    model = Grant
    form = GrantForm
    extra = 0
    autocomplete_fields = ["seller"]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "contact_email", "is_active", "created_at"]
    search_fields = ["name", "contact_email"]
    inlines = [ApiKeyInline, GrantInline]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Adding a key shows it once in a message; only its prefix and hash are kept."""

    list_display = [
        "prefix",
        "name",
        "partner",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_filter = ["partner"]
    list_select_related = ["partner"]
    search_fields = ["prefix", "name", "partner__name"]
    readonly_fields = ["prefix", "created_at", "revoked_at", "last_used_at"]
    actions = ["revoke"]

    def get_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> _FieldGroups:
        if obj is None:
            return ["partner", "name", "expires_at"]
        return [
            "partner",
            "name",
            "prefix",
            "created_at",
            "expires_at",
            "revoked_at",
            "last_used_at",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> list[str]:
        return [*self.readonly_fields, "partner"] if obj else []

    @sensitive_variables("key")
    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if obj.expires_at is not None and obj.expires_at <= timezone.now():
            messages.warning(
                request,
                f"The key {obj.name!r} expired on {obj.expires_at:%Y-%m-%d %H:%M %Z}: every "
                "request with it is refused. Set a later expiry (or none) if it is to be used.",
            )
        if change:
            super().save_model(request, obj, form, change)
            return
        api_key, key = services.create_api_key(
            obj.partner, name=obj.name, expires_at=obj.expires_at
        )
        obj.pk = api_key.pk
        obj.prefix = api_key.prefix
        messages.warning(
            request,
            f"The new key is {key} — copy it now and hand it to {obj.partner} over a safe "
            "channel. It is not stored and cannot be shown again.",
        )

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for api_key in queryset:
            services.revoke_api_key(api_key)
        messages.success(request, f"{len(queryset)} key(s) revoked.")


@admin.register(Grant)
class GrantAdmin(admin.ModelAdmin):
    """Staff grant and revoke as a seller does on its settings page, through the same
    services."""

    form = GrantForm
    list_display = ["partner", "seller", "scopes", "created_at"]
    list_select_related = ["partner", "seller"]
    list_filter = ["partner"]
    autocomplete_fields = ["partner", "seller"]
    search_fields = ["partner__name", "seller__name", "seller__seller_id"]

    def get_readonly_fields(self, request: HttpRequest, obj: Grant | None = None) -> list[str]:
        # A grant is the pair; another pair is another grant.
        return ["partner", "seller"] if obj else []

    def save_model(self, request: HttpRequest, obj: Grant, form: Any, change: bool) -> None:
        grant = services.grant_partner(obj.seller, obj.partner, scopes=form.cleaned_data["scopes"])
        obj.pk = grant.pk
        obj.created_at = grant.created_at

    def delete_model(self, request: HttpRequest, obj: Grant) -> None:
        services.revoke_grant(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Grant]) -> None:
        for grant in queryset:
            services.revoke_grant(grant)


# ---- webhooks ------------------------------------------------------------------------------


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """The signing secret is never shown: the partner got it when it registered the URL."""

    list_display = ["url", "partner", "events", "is_active", "disabled_at", "created_at"]
    list_select_related = ["partner"]
    list_filter = ["is_active", "partner"]
    fields = [
        "partner",
        "url",
        "events",
        "is_active",
        "failing_since",
        "disabled_at",
        "disabled_reason",
        "created_at",
    ]
    readonly_fields = [
        "partner",
        "url",
        "events",
        "failing_since",
        "disabled_at",
        "disabled_reason",
        "created_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # partners register endpoints through the API, which returns the secret

    def save_model(
        self, request: HttpRequest, obj: WebhookEndpoint, form: Any, change: bool
    ) -> None:
        if obj.is_active and "is_active" in form.changed_data:
            # Enabled again: it gets a fresh two days before a failure disables it once more.
            obj.failing_since = obj.disabled_at = None
            obj.disabled_reason = ""
        super().save_model(request, obj, form, change)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: read-only."""

    list_display = [
        "pk",
        "event",
        "endpoint",
        "state",
        "attempts",
        "last_status",
        "next_attempt_at",
        "created_at",
        "delivered_at",
    ]
    list_select_related = ["endpoint__partner"]
    list_filter = ["state", "event"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
