"""Staff views of notices, digests and users' notification settings (read-mostly)."""

from __future__ import annotations

from django.contrib import admin

from notifications.models import Digest, Notice, NotificationSettings


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("title", "user", "seller", "kind", "created_at", "read_at", "email")
    list_filter = ("kind", "email")
    search_fields = ("title", "user__username", "user__email", "seller__name")
    list_select_related = ("user", "seller")
    raw_id_fields = ("user", "seller", "digest")
    readonly_fields = ("created_at", "emailed_at")


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ("pk", "user", "created_at", "sent_at")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    readonly_fields = ("created_at",)


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ("user", "daily_digest", "updated_at")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
