"""``{% unread_notice_count as n %}``: the top bar's count, queried only where it is shown."""

from __future__ import annotations

from django import template

from notifications.models import Notice

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notice_count(context: template.Context) -> int:
    request = context.get("request")
    if request is None:
        return 0
    return Notice.objects.for_user(request.user).unread().count()
