"""Staff view of feed submissions: find them, read their results, nudge stuck ones.

Rows are read-only: a feed's state only changes through ``feeds.services`` (and MWS's answers),
so the actions here ask the services to act, never edit fields.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from feeds import services
from feeds.models import FeedMessageResult, FeedSubmission


class FeedMessageResultInline(admin.TabularInline):
    model = FeedMessageResult
    fields = ("message_id", "sku", "order_id", "severity", "result_type", "code", "description")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False


@admin.register(FeedSubmission)
class FeedSubmissionAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "seller",
        "state",
        "processing_status",
        "feed_submission_id",
        "messages_with_error",
        "created_at",
    )
    list_filter = ("state", "processing_status", "feed_type", "source", "seller__region")
    search_fields = (
        "=feed_submission_id",
        "seller__seller_id",
        "seller__name",
        "seller__owner__email",
        "filename",
        "=content_md5",
    )
    list_select_related = ("seller",)
    date_hierarchy = "created_at"
    inlines = (FeedMessageResultInline,)
    actions = ("reconcile", "repoll")
    readonly_fields = [field.name for field in FeedSubmission._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Reconcile unknown submissions with Amazon's list of feeds")
    def reconcile(self, request: HttpRequest, queryset: QuerySet[FeedSubmission]) -> None:
        unknown = queryset.filter(state=FeedSubmission.State.UNKNOWN).select_related("seller")
        asked = sum(1 for feed in unknown if services.reconcile_feed(feed) is not None)
        skipped = queryset.count() - asked
        messages.info(
            request,
            f"Asked Amazon about {asked} feed(s); {skipped} skipped (only feeds whose outcome "
            "is unknown are reconciled).",
        )

    @admin.action(description="Poll Amazon again for the sellers of these feeds")
    def repoll(self, request: HttpRequest, queryset: QuerySet[FeedSubmission]) -> None:
        sellers = {feed.seller for feed in queryset.select_related("seller")}
        for seller in sellers:
            services.sync_seller(seller)
        messages.info(request, f"Queued a poll for {len(sellers)} seller(s).")
