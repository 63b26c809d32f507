"""Staff pages for seller accounts.

The token is never shown: the form has a write-only "replace token" input that MWS checks
before anything is saved. Lists stay fast with thousands of sellers: the owner is joined,
marketplaces are counted in the same query, and no full count runs on every page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from sellers import services, tasks
from sellers.forms import token_input
from sellers.models import (
    ApiKey,
    Grant,
    Partner,
    Seller,
    SellerMarketplace,
    WebhookDelivery,
    WebhookEndpoint,
)


class MarketplaceFilter(admin.SimpleListFilter):
    title = "marketplace"
    parameter_name = "marketplace"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        rows = (
            SellerMarketplace.objects.values_list("marketplace_id", "name")
            .order_by("name", "marketplace_id")
            .distinct()
        )
        names: dict[str, str] = {}
        for marketplace_id, name in rows:
            names.setdefault(marketplace_id, f"{name or marketplace_id} ({marketplace_id})")
        return sorted(names.items(), key=lambda item: item[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[Seller]) -> QuerySet[Seller]:
        if self.value():
            return queryset.filter(marketplaces__marketplace_id=self.value())
        return queryset


class SellerMarketplaceInline(admin.TabularInline):
    model = SellerMarketplace
    extra = 0
    can_delete = False
    fields = (
        "marketplace_id",
        "name",
        "country_code",
        "currency_code",
        "language_code",
        "domain",
        "has_suspended_listings",
    )
    readonly_fields = fields
    verbose_name_plural = "marketplaces (as MWS last listed them)"

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class SellerAdminForm(forms.ModelForm):
    new_auth_token = forms.CharField(
        label="Replace token",
        required=False,
        widget=token_input(),
        help_text="Write-only. Amazon MWS checks the Seller ID with this token before it is "
        "saved; leave empty to keep the current token.",
    )

    class Meta:
        model = Seller
        fields = ("owner", "name", "seller_id", "region")

    @sensitive_variables("token")
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.participations: list[services.Participation] | None = None
        token = cleaned.get("new_auth_token", "").strip()
        if self.instance.pk is None and not token:
            self.add_error("new_auth_token", "A new seller account needs its MWS Auth Token.")
        if not token or self.errors:
            return cleaned
        seller_id = self.instance.seller_id if self.instance.pk else cleaned.get("seller_id", "")
        region = self.instance.region if self.instance.pk else cleaned.get("region", "")
        if self.instance.status == Seller.Status.SUSPENDED:
            self.add_error(
                "new_auth_token",
                "This seller is suspended: the portal makes no call to Amazon for it, not even "
                "to check a token. Reactivate it first.",
            )
            return cleaned
        try:
            seller_id = services.clean_seller_id(seller_id)
            cleaned["new_auth_token"] = services.clean_auth_token(token)
            self.participations = services.check_authorization(
                region=region, seller_id=seller_id, auth_token=cleaned["new_auth_token"]
            )
        except services.AuthorizationCheckFailed as failure:
            field = failure.field if failure.field in self.fields else "new_auth_token"
            if field == "auth_token":
                field = "new_auth_token"
            self.add_error(field, failure.message)
        if self.instance.pk is None:
            cleaned["seller_id"] = seller_id
        return cleaned


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label="Reason, shown to the seller",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )


@admin.register(Seller)
class SellerAdmin(admin.ModelAdmin):
    form = SellerAdminForm
    list_display = (
        "name",
        "seller_id",
        "region",
        "owner",
        "status",
        "marketplace_count",
        "verified_at",
    )
    list_filter = ("status", "region", MarketplaceFilter)
    search_fields = ("seller_id", "name", "owner__username", "owner__email")
    list_select_related = ("owner",)
    list_per_page = 100
    show_full_result_count = False
    autocomplete_fields = ("owner",)
    readonly_fields = ("status", "status_reason", "created_at", "updated_at", "verified_at")
    inlines = [SellerMarketplaceInline]
    actions = ["verify_now", "suspend", "reactivate"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Seller]:
        return (
            super()
            .get_queryset(request)
            .defer("auth_token")
            .annotate(marketplace_count=Count("marketplaces"))
        )

    def get_fieldsets(self, request: HttpRequest, obj: Seller | None = None) -> Any:
        main = ("owner", "name", "seller_id", "region", "new_auth_token")
        if obj is None:
            return [(None, {"fields": main})]
        return [
            (None, {"fields": main}),
            ("State", {"fields": ("status", "status_reason", "verified_at")}),
            ("History", {"fields": ("created_at", "updated_at")}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Seller | None = None) -> Any:
        if obj is None:
            return ()
        # The token belongs to this seller and region; changing them would pair it wrongly.
        return (*self.readonly_fields, "owner", "seller_id", "region")

    @admin.display(description="marketplaces", ordering="marketplace_count")
    def marketplace_count(self, seller: Seller) -> int:
        return seller.marketplace_count

    @sensitive_variables("token")
    def save_model(self, request: HttpRequest, obj: Seller, form: Any, change: bool) -> None:
        token = form.cleaned_data.get("new_auth_token")
        if token and form.participations is not None:
            services.store_authorization(obj, auth_token=token, participations=form.participations)
        else:
            obj.save()

    @admin.action(description="Verify credentials now")
    def verify_now(self, request: HttpRequest, queryset: QuerySet[Seller]) -> None:
        """Queue one verification per seller: checking hundreds of sellers one after the
        other inside this request would outlast any timeout. Suspended sellers and sellers
        without a token are not called."""
        selected = Seller.objects.filter(pk__in=queryset.values("pk"))
        suspended = selected.filter(status=Seller.Status.SUSPENDED).count()
        not_suspended = selected.exclude(status=Seller.Status.SUSPENDED)
        removed = not_suspended.filter(auth_token__isnull=True).count()
        queued = list(not_suspended.filter(auth_token__isnull=False).values_list("pk", flat=True))
        transaction.on_commit(lambda: [tasks.verify_seller.delay(pk) for pk in queued])
        if queued:
            self.message_user(
                request,
                f"{len(queued)} verification(s) queued. Each seller's “verified at”, "
                "marketplaces and status change when Amazon has answered.",
                messages.SUCCESS,
            )
        if suspended:
            self.message_user(
                request,
                f"{suspended} suspended seller(s) not verified: the portal makes no call to "
                "Amazon for a suspended seller. Reactivate them first.",
                messages.WARNING,
            )
        if removed:
            self.message_user(
                request,
                f"{removed} seller(s) without a token not verified: their owners must paste "
                "a new token.",
                messages.WARNING,
            )

    @admin.action(description="Suspend (stop every MWS call)")
    def suspend(self, request: HttpRequest, queryset: QuerySet[Seller]) -> HttpResponse | None:
        if "apply" in request.POST:
            form = SuspendForm(request.POST)
            if form.is_valid():
                sellers = list(queryset)
                for seller in sellers:
                    services.suspend_seller(seller, reason=form.cleaned_data["reason"])
                self.message_user(request, f"{len(sellers)} seller(s) suspended.", messages.SUCCESS)
                return None
        else:
            form = SuspendForm()
        return TemplateResponse(
            request,
            "admin/sellers/seller/suspend.html",
            {
                **self.admin_site.each_context(request),
                "title": "Suspend seller accounts",
                "sellers": queryset,
                "form": form,
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description="Reactivate suspended sellers")
    def reactivate(self, request: HttpRequest, queryset: QuerySet[Seller]) -> None:
        sellers = list(queryset.filter(status=Seller.Status.SUSPENDED))
        for seller in sellers:
            services.reactivate_seller(seller)
        self.message_user(request, f"{len(sellers)} seller(s) reactivated.", messages.SUCCESS)


# ---- partners ---------------------------------------------------------------------------------


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    extra = 0
    can_delete = False
    fields = ["prefix", "name", "created_at", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = fields

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

    def get_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> list[str]:
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


# ---- webhooks -----------------------------------------------------------------------------------


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
