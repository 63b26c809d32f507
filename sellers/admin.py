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
from django.views.decorators.debug import sensitive_variables

from sellers import services, tasks
from sellers.forms import token_input
from sellers.models import Seller, SellerMarketplace


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
