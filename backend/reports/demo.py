"""Demo data for the reports: the demo pilot's yearly report text and one heading of other funds, so that the
coordinator's 年检报告 page shows a complete report. Called by seed_demo (backend/demo/story.py).

Idempotent: the text and the heading are upserted."""

import datetime
from decimal import Decimal

from backend.accounts.models import Role, User
from backend.core.clock import local_date
from backend.placements.models import PilotProject

from .services import funds_line_save, report_text_save


def seed_reports_demo(*, pilot: PilotProject, now: datetime.datetime) -> None:
    coordinator = (
        User.objects.filter(role=Role.COORDINATOR, school_id=pilot.school_id, is_active=True)
        .order_by("id")
        .first()
    )
    if coordinator is None:
        return
    year = local_date(now).year
    report_text_save(
        actor=coordinator,
        pilot=pilot,
        year=year,
        situation="本年度试点项目按计划推进，学徒在合作企业开展岗位学习，校企双导师共同指导。",
        problems="部分企业师傅带徒经验不足，周记批阅不够及时。\n个别岗位排班偏紧，出现工时预警。",
        measures="开展企业师傅带徒培训，建立周记批阅提醒。\n与企业共同调整排班，按月通报工时情况。",
    )
    funds_line_save(
        actor=coordinator,
        pilot=pilot,
        year=year,
        heading="学校配套经费",
        received=Decimal("50000.00"),
        spent=Decimal("32860.50"),
        note="师资培训、教学资源建设",
    )
