from decimal import Decimal

import factory

from backend.companies.models import Company, Mentor, Post
from backend.core.ids import compose_credit_code

from .schools import chinese_name


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"华东精密制造有限公司{n}")
    credit_code = factory.Sequence(lambda n: compose_credit_code(f"91110000{n:09d}"))
    staff_count = 500
    annual_revenue = Decimal("50000000.00")
    industry = "装备制造"
    address = "上海市浦东新区张江路100号"


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    company = factory.SubFactory(CompanyFactory)
    title = factory.Sequence(lambda n: f"数控车工{n}")
    description = "数控车床操作与零件加工"
    location = factory.SelfAttribute("company.address")
    capacity = 10
    staff_on_post = 50
    hazard_tags: list[str] = []
    monthly_wage = Decimal("5000.00")


class MentorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mentor

    company = factory.SubFactory(CompanyFactory)
    post = factory.SubFactory(PostFactory, company=factory.SelfAttribute("..company"))
    name = factory.Sequence(lambda n: chinese_name(n + 3) + "师傅")
    phone = factory.Sequence(lambda n: f"137{n:08d}")
    title = "高级技师"
    years_experience = 12
