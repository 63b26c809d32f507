"""What a notice e-mail and a digest say: subject, text and HTML bodies, absolute links, and
never a token."""

from __future__ import annotations

import pytest

from feeds.notices import notify_feed_finished
from notifications import services
from notifications.models import Kind, Notice
from sellers.notices import notify_needs_reauthorization
from tests.factories import FeedSubmissionFactory

pytestmark = pytest.mark.django_db


def _html(mail) -> str:
    ((body, mimetype),) = mail.alternatives
    assert mimetype == "text/html"
    return body


def test_a_processed_feed_mail_names_the_feed_its_errors_and_links_back(
    seller, owner, media, mailoutbox
):
    feed = FeedSubmissionFactory(
        seller=seller,
        state="complete",
        filename="stock <today>.xml",
        messages_processed=3,
        messages_successful=2,
        messages_with_error=1,
        messages_with_warning=0,
    )
    notice = notify_feed_finished(feed)
    services.send_notice_email(notice.pk)
    (mail,) = mailoutbox
    assert mail.to == [owner.email]
    assert mail.subject == f"MWS Portal: {feed.feed_type_name} processed with 1 error"
    link = f"https://portal.example.com/feeds/{feed.pk}/"
    assert "3 processed, 2 successful, 1 with errors, 0 with warnings" in mail.body
    assert f"Open it: {link}" in mail.body
    assert "All your notices: https://portal.example.com/notifications/" in mail.body
    assert "https://portal.example.com/notifications/settings/" in mail.body
    # The text part is plain text: nothing is HTML-escaped there.
    assert "stock <today>.xml" in mail.body
    html = _html(mail)
    assert f'<a href="{link}">Open it in MWS Portal</a>' in html
    assert '<a href="https://portal.example.com/notifications/settings/">' in html
    # ... and the HTML part escapes what the seller typed.
    assert "stock &lt;today&gt;.xml" in html
    assert "<today>" not in html


def test_a_reauthorization_mail_never_carries_the_token(seller, mailoutbox):
    notice = notify_needs_reauthorization(seller, reason="AccessDenied to ListOrders.")
    services.send_notice_email(notice.pk)
    (mail,) = mailoutbox
    assert mail.subject == "MWS Portal: US store must be authorized again"
    assert f"https://portal.example.com/sellers/{seller.pk}/" in mail.body
    for part in (mail.subject, mail.body, _html(mail)):
        assert seller.auth_token not in part
        assert "secret-token" not in part


def test_links_follow_the_portal_url_setting(seller, settings, mailoutbox):
    settings.PORTAL_URL = "http://shop.test:8080"
    notice = services.notify(seller, Kind.REPORT_READY, title="Ready", link="/reports/")
    services.send_notice_email(notice.pk)
    assert "Open it: http://shop.test:8080/reports/" in mailoutbox[0].body


def test_the_digest_lists_every_notice_with_its_link(seller, owner, mailoutbox):
    services.update_settings(owner, email_kinds=Kind.values, daily_digest=True)
    services.notify(seller, Kind.REPORT_READY, title="Orders report is ready", link="/reports/")
    services.notify(seller, Kind.FEED_FAILED, title="Price feed failed", message="Bad file.")
    (digest_id,) = services.collect_digests()
    services.send_digest(digest_id)
    (mail,) = mailoutbox
    assert mail.to == [owner.email]
    assert mail.subject.startswith("MWS Portal: 2 notices for ")
    body = mail.body
    assert body.index("Orders report is ready") < body.index("Price feed failed")
    assert "https://portal.example.com/reports/" in body
    assert "Bad file." in body
    html = _html(mail)
    assert '<a href="https://portal.example.com/reports/">Orders report is ready</a>' in html
    assert "Price feed failed" in html
    assert Notice.objects.filter(email=Notice.Email.SENT).count() == 2


def test_a_digest_of_one_notice_says_one_notice(seller, owner, mailoutbox):
    services.update_settings(owner, email_kinds=Kind.values, daily_digest=True)
    services.notify(seller, Kind.REPORT_READY, title="Ready")
    (digest_id,) = services.collect_digests()
    services.send_digest(digest_id)
    assert mailoutbox[0].subject.startswith("MWS Portal: 1 notice for ")
