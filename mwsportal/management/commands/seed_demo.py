from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from mwsportal.demo import seed_demo


class Command(BaseCommand):
    help = "Create the demo users and data used by `make run` (idempotent; development only)."

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo only runs with DEBUG on: demo logins have known passwords."
            )
        for login in seed_demo():
            state = "created" if login.created else "already there"
            self.stdout.write(f"{login.username}: {state}")
