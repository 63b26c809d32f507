"""The home page's getting-started checklist: each step ticks itself from the user's own data.

It spans the apps (a seller, a report request, a feed, a schedule), so it lives in the project
package rather than in one of them. Every count goes through the apps' ``for_user`` querysets.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.urls import reverse

from feeds.models import FeedSubmission
from reports.models import ReportRequest, ReportSchedule
from sellers.models import Seller


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    description: str
    done: bool
    url: str
    action: str


@dataclass(frozen=True)
class Checklist:
    steps: tuple[Step, ...]

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def complete(self) -> bool:
        return self.done_count == len(self.steps)

    @property
    def next_step(self) -> Step | None:
        return next((step for step in self.steps if not step.done), None)


def onboarding_checklist(user: AbstractBaseUser) -> Checklist:
    """Where ``user`` stands in getting started; steps after "connect" link to the user's first
    seller account, or to connecting one while there is none."""
    seller = Seller.objects.for_user(user).defer("auth_token").order_by("pk").first()
    connect_url = reverse("sellers:connect")

    def for_seller(name: str) -> str:
        return reverse(name, kwargs={"seller_pk": seller.pk}) if seller else connect_url

    return Checklist(
        steps=(
            Step(
                "connect",
                "Connect your seller account",
                "Authorize the portal in Seller Central and paste the Seller ID and token.",
                seller is not None,
                connect_url,
                "Connect a seller account",
            ),
            Step(
                "report",
                "Request your first report",
                "Ask Amazon for a report, such as your active listings or last month's orders.",
                ReportRequest.objects.for_user(user).exists(),
                for_seller("reports:request_new"),
                "Request a report",
            ),
            Step(
                "feed",
                "Send your first feed",
                "Update prices, stock or listings by uploading a file; a sample of each type "
                "is next to the upload.",
                FeedSubmission.objects.for_user(user).exists(),
                for_seller("feeds:upload"),
                "Upload a feed",
            ),
            Step(
                "schedule",
                "Schedule a report",
                "Have Amazon make a report every day or week, so it is ready when you look.",
                ReportSchedule.objects.for_user(user).exists(),
                for_seller("reports:schedules"),
                "Set up a schedule",
            ),
        )
    )
