"""Demo data for pauses and injuries, called by seed_demo (backend/demo/story.py) after the other apps' stories:

    from backend.lifecycle.demo import seed_lifecycle_demo
    seed_lifecycle_demo(pilot=pilot, now=now)

One apprentice paused for illness (coordinator coord1's school), one injury report by the company's HR with both
insurers told. Nothing is terminated: the demo's claims and agreements stay as the other stories left them, and the
termination form is there to try. Idempotent: a pilot with a pause or an injury report is left as it is."""

from __future__ import annotations

import datetime

from django.db import transaction

from backend.accounts.models import Role, User
from backend.core.clock import RULES_ZONE, local_date
from backend.core.errors import ApplicationError
from backend.placements.models import InsurancePolicy, PilotProject, PlacementStatus

from .models import InjuryReport, InjurySeverity, Pause, PauseReason
from .services import injury_report, placement_pause


def seed_lifecycle_demo(*, pilot: PilotProject, now: datetime.datetime) -> dict[str, int]:
    if (
        Pause.objects.filter(placement__pilot=pilot).exists()
        or InjuryReport.objects.filter(placement__pilot=pilot).exists()
    ):
        return {}
    coordinator = User.objects.filter(role=Role.COORDINATOR, school_id=pilot.school_id).order_by("id").first()
    active = list(
        pilot.placements.filter(status=PlacementStatus.ACTIVE).select_related("post").order_by("id")
    )
    if coordinator is None or len(active) < 2:
        return {}
    today = local_date(now)
    done = {"paused": 0, "injuries": 0}
    injured, paused = active[0], active[-1]
    with transaction.atomic():
        # The insurers' report addresses (demo values; a real school records them with the policy).
        for policy in InsurancePolicy.objects.filter(placement=injured, contact_email=""):
            InsurancePolicy.objects.filter(pk=policy.pk).update(
                contact_email=f"baoan-{policy.kind}@insurer.example.cn"
            )
        hr = User.objects.filter(role=Role.HR, company_id=injured.post.company_id).order_by("id").first()
        occurred = (now - datetime.timedelta(hours=3)).astimezone(RULES_ZONE)
        if hr is not None and injured.start_date <= occurred.date():
            injury_report(
                actor=hr,
                placement=injured,
                occurred_at=occurred,
                location="二车间数控车床旁",
                description="更换刀具时左手食指被划伤，现场立即停机。",
                treatment="厂医消毒包扎后送市第一人民医院缝合三针，已返回宿舍休息。",
                severity=InjurySeverity.MODERATE,
                now=now,
            )
            done["injuries"] = 1
    start = max(paused.start_date, today - datetime.timedelta(days=2))
    end = min(paused.end_date, today + datetime.timedelta(days=12))
    if start <= today and start <= end:
        try:
            placement_pause(
                actor=coordinator,
                placement=paused,
                start_date=start,
                end_date=end,
                reason=PauseReason.ILLNESS,
                note="急性阑尾炎术后休养（演示）",
                today=today,
            )
            done["paused"] = 1
        except ApplicationError:
            pass  # e.g. the placement's period does not allow it today: the demo goes on without a pause
    return done
