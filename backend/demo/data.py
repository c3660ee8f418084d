"""The demo data set behind `make run`: believable, deterministic (fixed seed, fixed reference date)."""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from backend.accounts.models import Role, User
from backend.companies.models import Company, HazardTag, Mentor, Post
from backend.core.ids import compose_credit_code, compose_resident_id
from backend.placements.models import HospitalLevel, PilotForm, PilotProject
from backend.schools.models import Bureau, Cohort, Guardian, GuardianRelation, Program, School, Student

REFERENCE_DATE = datetime.date(2026, 9, 1)  # ages and years of study are as of the 2026 autumn term
DEMO_PASSWORD = "xuetu2026"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧巧美红玉兰桂萍建国志刚晓东雨萱子涵浩然梓轩欣怡宇航思远"
REGIONS = ["110105", "310115", "440305", "320106", "330106", "510107"]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    who: str


def _name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    return rng.choice(SURNAMES) + given


def birth_date_for(rng: random.Random, age: int) -> datetime.date:
    """A birth date giving `age` full years on the reference date."""
    days_since_birthday = rng.randint(10, 350)
    day = REFERENCE_DATE - datetime.timedelta(days=days_since_birthday)
    try:
        return day.replace(year=day.year - age)
    except ValueError:
        return day.replace(year=day.year - age, day=28)


CLASS_PREFIXES = {"数控技术应用": "数控", "工业机器人技术应用": "机器人", "汽车运用与维修": "汽修"}


def class_name(program: Program, entry_year: int, index: int) -> str:
    """班级 as schools name it: the program's short name, the entry year's last two digits and the class number
    (two classes per program and year, alternating), e.g. 数控2501班."""
    prefix = CLASS_PREFIXES.get(program.name, program.name[:2])
    return f"{prefix}{entry_year % 100:02d}{(index // 3) % 2 + 1:02d}班"


def seed_demo(*, seed: int = 20260901) -> list[DemoLogin]:
    """Create the demo data set; refuses to run twice (the first school's name is the marker)."""
    rng = random.Random(seed)
    if School.objects.filter(name="北京市第一职业技术学校").exists():
        return demo_logins()

    schools = [
        School.objects.create(
            name="北京市第一职业技术学校",
            code="4111010001",
            region="北京市朝阳区",
            address="北京市朝阳区职教路1号",
            phone="010-65000001",
        ),
        School.objects.create(
            name="上海市浦东职业技术学院",
            code="4131010002",
            region="上海市浦东新区",
            address="上海市浦东新区学院路88号",
            phone="021-58000002",
        ),
    ]
    programs = {
        s.pk: [
            Program.objects.create(school=s, name=n, code=c, years=3)
            for n, c in (
                ("数控技术应用", "660103"),
                ("工业机器人技术应用", "660303"),
                ("汽车运用与维修", "700206"),
            )
        ]
        for s in schools
    }
    companies = []
    company_specs = [
        ("北京精工数控机床有限公司", 620, Decimal("86000000.00"), "北京市顺义区空港工业区A区"),
        ("华东智能装备制造股份有限公司", 1450, Decimal("320000000.00"), "上海市浦东新区张江高科技园区"),
        ("京沪汽车销售服务有限公司", 260, Decimal("45000000.00"), "北京市丰台区汽车博览中心"),
        ("长江机器人系统集成有限公司", 380, Decimal("58000000.00"), "上海市嘉定区安亭镇"),
    ]
    for i, (name, staff, revenue, address) in enumerate(company_specs):
        companies.append(
            Company.objects.create(
                name=name,
                credit_code=compose_credit_code(f"91110000{600037341 + i * 7919:09d}"),
                staff_count=staff,
                annual_revenue=revenue,
                industry="装备制造",
                address=address,
                legal_representative=_name(rng),
                contact_phone=f"010-8{i:03d}0000",
            )
        )
    post_specs = [
        ("数控车工", "数控车床编程与零件加工", Decimal("6200.00"), []),
        ("装配钳工", "机械部件装配与调试", Decimal("5800.00"), [HazardTag.HEAVY_LIFTING]),
        ("设备点检员", "生产设备日常点检与保养", Decimal("5600.00"), []),
        ("高处安装工", "厂房设备高处安装", Decimal("7000.00"), [HazardTag.HEIGHT]),
    ]
    posts: list[Post] = []
    mentors: list[Mentor] = []
    for company in companies:
        for title, description, wage, tags in post_specs[: 3 if company.staff_count < 400 else 4]:
            post = Post.objects.create(
                company=company,
                title=title,
                description=description,
                location=company.address,
                capacity=rng.randint(4, 8),
                staff_on_post=rng.randint(30, 60),
                hazard_tags=list(tags),
                monthly_wage=wage,
            )
            posts.append(post)
            for _ in range(2):
                mentors.append(
                    Mentor.objects.create(
                        company=company,
                        post=post,
                        name=_name(rng),
                        phone=f"137{rng.randint(10**7, 10**8 - 1)}",
                        title=rng.choice(["高级技师", "技师", "高级工"]),
                        years_experience=rng.randint(8, 25),
                    )
                )

    # 120 students: 60 per school, second-years mostly 18, a dozen aged 16-17, a few under 16, some first-years.
    students: list[Student] = []
    sequence = 0
    for school in schools:
        for index in range(60):
            program = programs[school.pk][index % 3]
            if index < 8:
                entry_year, age = 2026, 15 if index < 3 else 16  # first-years; three under 16
            elif index < 14:
                entry_year, age = 2025, rng.choice((16, 17))
            else:
                entry_year, age = (2025, 18) if index % 2 else (2024, rng.choice((18, 19)))
            cohort, _ = Cohort.objects.get_or_create(program=program, entry_year=entry_year)
            sequence += 1
            birth = birth_date_for(rng, age)
            resident_id = compose_resident_id(rng.choice(REGIONS), birth, sequence * 2 + rng.randint(0, 1))
            student = Student.objects.create(
                school=school,
                cohort=cohort,
                name=_name(rng),
                resident_id=resident_id,
                birth_date=birth,
                sex="M" if int(resident_id[16]) % 2 else "F",
                student_number=f"{entry_year}{sequence:04d}",
                class_name=class_name(program, entry_year, index),
                phone=f"139{rng.randint(10**7, 10**8 - 1)}",
            )
            students.append(student)
            relation = rng.choice([GuardianRelation.FATHER, GuardianRelation.MOTHER])
            parent_birth = birth.replace(year=birth.year - rng.randint(24, 32))
            Guardian.objects.create(
                student=student,
                name=_name(rng),
                relation=relation,
                phone=f"138{rng.randint(10**7, 10**8 - 1)}",
                resident_id=compose_resident_id(
                    resident_id[:6], parent_birth, 1 if relation == "father" else 2
                ),
            )
            student.health_checks.create(
                hospital=f"{school.region}人民医院",
                level=HospitalLevel.COUNTY,
                date=REFERENCE_DATE - datetime.timedelta(days=rng.randint(20, 120)),
            )

    pilots = []
    for school, pair in zip(schools, ((0, 2), (1, 3)), strict=True):
        pilot = PilotProject.objects.create(
            name=f"{school.name[:6]}数控技术应用现代学徒制试点",
            school=school,
            program=programs[school.pk][0],
            form=PilotForm.SEVERAL_COMPANIES,
            year=2026,
        )
        pilot.companies.set([companies[pair[0]], companies[pair[1]]])
        pilots.append(pilot)

    _create_users(schools, companies, mentors, students, pilots[0])
    _name_signatories(schools, companies)
    return demo_logins()


SCHOOL_SIGNATORIES = ("张建华", "刘文静")  # the principals (校长), who sign as legal representatives
COORDINATOR_NAMES = ("周敏", "陈立群")  # the schools' coordinators (coord1, coord2)
HR_NAMES = ("孙丽娟", "赵海涛", "钱雪梅", "吴振宇")  # the companies' HR staff (hr1 ... hr4)


def _name_signatories(schools: list[School], companies: list[Company]) -> None:
    """Each school and company names who signs its agreements and has a seal image, drawn here at seed time."""
    from django.core.files.base import ContentFile

    from backend.companies.models import SignatoryTitle
    from contracts.samples import sample_seal_png

    organisations: list[tuple[School | Company, str]] = [
        *zip(schools, SCHOOL_SIGNATORIES, strict=False),
        *((c, c.legal_representative) for c in companies),
    ]
    for organisation, name in organisations:
        organisation.signatory_name = name
        organisation.signatory_title = SignatoryTitle.LEGAL_REPRESENTATIVE
        organisation.seal_image.save("seal.png", ContentFile(sample_seal_png(organisation.name)), save=False)
        organisation.save(update_fields=["signatory_name", "signatory_title", "seal_image", "updated_at"])


def _create_users(schools, companies, mentors, students, pilot) -> None:  # type: ignore[no-untyped-def]
    phones = iter(f"1390000{n:04d}" for n in range(1, 100))

    def user(username: str, role: str, display_name: str, **links: object) -> None:
        account = User(username=username, role=role, display_name=display_name, phone=next(phones), **links)
        account.set_password(DEMO_PASSWORD)
        account.save()

    user("admin", Role.ADMIN, "平台管理员", is_staff=True, is_superuser=True)
    user("bureau", Role.BUREAU, "市教育局 职成科")
    bureau = Bureau.objects.create(name="市教育局", region="")
    bureau.schools.set(schools)
    bureau.members.set(User.objects.filter(username="bureau"))
    # People's names, as the top bar, the histories and the notices show them ("周敏 · 学校联络人"); a cut
    # organisation name ("北京市第联络人") read as a typo.
    for i, (school, name) in enumerate(zip(schools, COORDINATOR_NAMES, strict=True), start=1):
        user(f"coord{i}", Role.COORDINATOR, name, school=school)
    for i, (company, name) in enumerate(zip(companies, HR_NAMES, strict=True), start=1):
        user(f"hr{i}", Role.HR, name, company=company)
    user("mentor1", Role.MENTOR, mentors[0].name, mentor=mentors[0], company=mentors[0].company)
    # The student logins are second-years of the first pilot, whom the story places (backend/demo/story.py): the
    # adult on a three-party agreement, the minor on a four-party one that guardian1 signs.
    second_years = [
        s for s in students if s.cohort.program_id == pilot.program_id and s.cohort.entry_year == 2025
    ]
    adult = next(s for s in second_years if s.age_on(REFERENCE_DATE) >= 18)
    minor = next(s for s in second_years if s.age_on(REFERENCE_DATE) in (16, 17))
    user("student1", Role.STUDENT, adult.name, student=adult, school=adult.school)
    user("student2", Role.STUDENT, minor.name, student=minor, school=minor.school)
    guardian = minor.guardians.first()
    user("guardian1", Role.GUARDIAN, guardian.name, guardian=guardian)


def demo_logins() -> list[DemoLogin]:
    rows = []
    for account in (
        User.objects.filter(
            username__in=[
                "admin",
                "bureau",
                "coord1",
                "coord2",
                "hr1",
                "hr2",
                "hr3",
                "hr4",
                "mentor1",
                "teacher1",
                "student1",
                "student2",
                "guardian1",
            ]
        )
        .select_related("school", "company")
        .order_by("id")
    ):
        who = account.school or account.company or account.display_name
        rows.append(DemoLogin(account.username, account.get_role_display(), str(who)))
    return rows
