"""The notices page, mark-as-read, the top bar's count and the e-mail settings page; another
user's notice is a 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notifications import services
from notifications.models import Kind, Notice, NotificationSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(seller) -> Notice:
    return services.notify(
        seller, Kind.REPORT_READY, title="Orders report is ready", link="/reports/"
    )


def test_the_list_shows_own_notices_newest_first(owner_client, seller, stranger_seller, notice):
    services.notify(seller, Kind.FEED_FAILED, title="Price feed failed")
    services.notify(stranger_seller, Kind.REPORT_READY, title="Stranger's report")
    page = owner_client.get(reverse("notifications:list")).content.decode()
    assert page.index("Price feed failed") < page.index("Orders report is ready")
    assert '<a href="/reports/">Orders report is ready</a>' in page
    assert "Stranger's report" not in page


def test_the_top_bar_counts_unread_notices(owner_client, stranger_client, notice):
    page = owner_client.get(reverse("home")).content.decode()
    assert 'aria-label="Notices, 1 unread"' in page
    assert '<span class="notice-count">1</span>' in page
    other = stranger_client.get(reverse("home")).content.decode()
    assert 'aria-label="Notices"' in other
    assert "notice-count" not in other


def test_mark_read_marks_one_and_the_count_drops(owner_client, seller, notice):
    other = services.notify(seller, Kind.FEED_FAILED, title="Price feed failed")
    response = owner_client.post(reverse("notifications:mark_read", args=[notice.pk]))
    assert response.status_code == 302
    notice.refresh_from_db()
    other.refresh_from_db()
    assert notice.read_at is not None
    assert other.read_at is None
    assert 'aria-label="Notices, 1 unread"' in owner_client.get(reverse("home")).content.decode()


def test_mark_all_read_says_how_many(owner_client, seller, notice):
    services.notify(seller, Kind.FEED_FAILED, title="Price feed failed")
    response = owner_client.post(reverse("notifications:mark_all_read"), follow=True)
    assert "2 notices marked as read." in response.content.decode()
    assert not Notice.objects.unread().exists()
    again = owner_client.post(reverse("notifications:mark_all_read"), follow=True)
    assert "There were no unread notices." in again.content.decode()


def test_another_users_notice_is_a_404_and_stays_unread(stranger_client, notice):
    response = stranger_client.post(reverse("notifications:mark_read", args=[notice.pk]))
    assert response.status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_mark_all_read_leaves_other_users_notices_alone(stranger_client, notice):
    stranger_client.post(reverse("notifications:mark_all_read"))
    notice.refresh_from_db()
    assert notice.read_at is None


def test_mark_read_is_a_post(owner_client, notice):
    response = owner_client.get(reverse("notifications:mark_read", args=[notice.pk]))
    assert response.status_code == 405


def test_pages_need_a_login(client, notice):
    for url in (reverse("notifications:list"), reverse("notifications:settings")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_settings_are_saved_and_shown_again(owner_client, owner):
    url = reverse("notifications:settings")
    page = owner_client.get(url).content.decode()
    assert page.count("checked") == len(Kind.values), "every kind is mailed until changed"
    response = owner_client.post(
        url, {"email_kinds": ["feed_failed", "seller_needs_reauth"], "daily_digest": "on"}
    )
    assert response.status_code == 302
    chosen = NotificationSettings.objects.get(user=owner)
    assert chosen.email_kinds == ["feed_failed", "seller_needs_reauth"]
    assert chosen.daily_digest is True
    page = owner_client.get(url).content.decode()
    assert page.count("checked") == 3


def test_an_unknown_kind_is_refused_on_its_field_and_nothing_changes(owner_client, owner):
    services.update_settings(owner, email_kinds=["report_ready"], daily_digest=False)
    response = owner_client.post(
        reverse("notifications:settings"), {"email_kinds": ["report_ready", "everything"]}
    )
    assert response.status_code == 200
    assert "Select a valid choice. everything is not one of the available choices." in (
        response.content.decode()
    )
    chosen = NotificationSettings.objects.get(user=owner)
    assert chosen.email_kinds == ["report_ready"]


def test_a_user_without_an_address_is_told_nothing_can_be_mailed(owner_client, owner):
    owner.email = ""
    owner.save()
    page = owner_client.get(reverse("notifications:settings")).content.decode()
    assert "Your account has no e-mail address" in page


def test_staff_see_notices_digests_and_settings_in_the_admin(client, staff, notice, owner):
    services.update_settings(owner, email_kinds=["report_ready"], daily_digest=True)
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    for name in ("notice", "digest", "notificationsettings"):
        response = client.get(reverse(f"admin:notifications_{name}_changelist"))
        assert response.status_code == 200, name
    page = client.get(reverse("admin:notifications_notice_changelist")).content.decode()
    assert "Orders report is ready" in page
