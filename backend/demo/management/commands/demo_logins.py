from django.core.management.base import BaseCommand

from backend.demo.data import DEMO_PASSWORD, demo_logins


class Command(BaseCommand):
    help = "List the demo logins (one per role) and their password; `runall` prints them in its banner."

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        logins = demo_logins()
        if not logins:
            self.stdout.write("  no demo logins: run `manage.py seed_demo` first.")
            return
        self.stdout.write(f"  demo logins, password '{DEMO_PASSWORD}':")
        for login in logins:
            self.stdout.write(f"    {login.username:<10} {login.role:<10} {login.who}")
