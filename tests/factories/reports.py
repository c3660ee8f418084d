from decimal import Decimal

import factory

from backend.reports.models import FundsLine, YearlyReportText

from .placements import PilotProjectFactory


class YearlyReportTextFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = YearlyReportText

    pilot = factory.SubFactory(PilotProjectFactory)
    year = 2026
    situation = "试点总体运行平稳。"
    problems = "部分企业师傅带徒经验不足。"
    measures = "开展师傅培训。"


class FundsLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundsLine

    pilot = factory.SubFactory(PilotProjectFactory)
    year = 2026
    heading = factory.Sequence(lambda n: f"学校配套经费{n}")
    received = Decimal("10000.00")
    spent = Decimal("8250.50")
