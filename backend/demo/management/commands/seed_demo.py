from django.core.management.base import BaseCommand
from django.db import transaction

from backend.attendance.demo import seed_attendance_demo
from backend.demo.data import DEMO_PASSWORD, seed_demo
from backend.demo.story import tell_demo_story
from backend.journals.demo import seed_journals_demo


class Command(BaseCommand):
    help = "Load the deterministic demo data set (2 schools, 4 companies, 120 students, a pilot per school)."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--seed", type=int, default=20260901)

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        with transaction.atomic():
            seed_demo(seed=options["seed"])
        # Each step of the story commits on its own, as in real use (links and codes go out after commit).
        story = tell_demo_story()
        # The working day: a work site per company and the supervising teacher teacher1 (backend/attendance).
        seed_attendance_demo(password=DEMO_PASSWORD)
        # Journals and a visit for the apprentices with a login and a teacher (backend/journals).
        seed_journals_demo()
        if story:
            self.stdout.write(
                f"Demo story: {story['active']} active apprenticeships with sealed agreements, "
                f"{story['preferences']} students with ranked posts ready for matching."
            )
        # The logins are printed once, by `runall`'s banner with the URL it serves (or `manage.py demo_logins`).
        self.stdout.write("Demo data ready; `manage.py demo_logins` lists the logins.")
