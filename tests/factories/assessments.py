import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from backend.assessments.models import (
    Assessment,
    AssessmentRule,
    AssessmentScore,
    AssessmentStatus,
    PlacementRating,
)

from .placements import PlacementFactory


def default_rule() -> AssessmentRule:
    """The rule seeded by migration 0002 (mentor, teacher, company; mean; pass mark 60), re-created if a
    transactional test flushed it."""
    from backend.assessments.services import assessment_rule_ensure_default

    return assessment_rule_ensure_default()


class AssessmentFactory(factory.django.DjangoModelFactory):
    """An open assessment of an active placement. Trait `passed` gives a decided, passed one with three scores."""

    class Meta:
        model = Assessment
        skip_postgeneration_save = True

    class Params:
        passed = factory.Trait(
            status=AssessmentStatus.PASSED,
            final_score=Decimal("85.00"),
            decided_at=factory.LazyFunction(timezone.now),
        )
        failed = factory.Trait(
            status=AssessmentStatus.FAILED,
            final_score=Decimal("50.00"),
            decided_at=factory.LazyFunction(timezone.now),
        )

    placement = factory.SubFactory(PlacementFactory, active=True)
    rule = factory.LazyFunction(default_rule)

    @factory.post_generation
    def with_scores(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create and self.status in (AssessmentStatus.PASSED, AssessmentStatus.FAILED):
            score = self.final_score
            for party in self.rule.required_parties:
                AssessmentScore.objects.create(
                    assessment=self,
                    party=party,
                    assessor_name=f"{party}评价人",
                    score=score,
                    signed_off_at=self.decided_at,
                )


class AssessmentScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessmentScore

    assessment = factory.SubFactory(AssessmentFactory)
    party = "mentor"
    assessor_name = "王师傅"
    score = Decimal("80.00")
    signed_off_at = factory.LazyFunction(lambda: datetime.datetime(2027, 1, 20, 10, tzinfo=datetime.UTC))


class PlacementRatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlacementRating

    placement = factory.SubFactory(PlacementFactory, active=True)
    rating = 4
    comment = "师傅认真负责"
