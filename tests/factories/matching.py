import datetime

import factory

from backend.matching.models import RankingRound

from .placements import PilotProjectFactory

TODAY = datetime.date(2026, 6, 1)  # the ranking tests' "today": the round below is open on it


class RankingRoundFactory(factory.django.DjangoModelFactory):
    """An open ranking round: closes two weeks after TODAY, placements start on 1 September 2026."""

    class Meta:
        model = RankingRound

    pilot = factory.SubFactory(PilotProjectFactory)
    closes_on = TODAY + datetime.timedelta(days=14)
    start_date = datetime.date(2026, 9, 1)

    class Params:
        closed = factory.Trait(closes_on=TODAY - datetime.timedelta(days=1))
