"""A complete, made-up agreement context: for template previews, upload validation, tests and benchmarks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from contracts.context import (
    AgreementContext,
    AgreementKind,
    Company,
    Guardian,
    Insurance,
    InsurancePolicy,
    Living,
    Mentor,
    Pay,
    Period,
    Post,
    School,
    Stage,
    Student,
    SupervisingTeacher,
    WorkingTime,
)


def sample_context(
    kind: AgreementKind = AgreementKind.THREE_PARTY,
    *,
    number: str = "XT-2026-000001",
    student_name: str = "王小明",
) -> AgreementContext:
    start, end = dt.date(2026, 9, 1), dt.date(2027, 6, 30)
    four = kind is AgreementKind.FOUR_PARTY
    return AgreementContext(
        kind=kind,
        number=number,
        pilot_name="数控技术专业现代学徒制试点（2026）",
        sign_place="江苏省常州市武进区",
        student=Student(
            name=student_name,
            resident_id="11010520090815002X" if four else "110105200708150016",
            sex="女" if four else "男",
            birth_date=dt.date(2009, 8, 15) if four else dt.date(2007, 8, 15),
            phone="13800138000",
            address="江苏省常州市天宁区青果巷18号",
            program="数控技术",
            cohort="2024级",
            class_name="数控2401班",
        ),
        guardian=Guardian(
            name="王建国",
            relation="父亲",
            resident_id="110105197903150035",
            phone="13900139000",
            address="江苏省常州市天宁区青果巷18号",
        )
        if four
        else None,
        school=School(
            name="常州机电职业技术学校",
            address="江苏省常州市武进区鸣新中路26号",
            legal_representative="李校长",
            contact_person="赵主任",
            phone="0519-86330000",
            supervising_teacher=SupervisingTeacher(name="陈静", phone="13700137000"),
        ),
        company=Company(
            name="常州精工机械制造有限公司",
            credit_code="91320412MA1XXXXXX0",
            address="江苏省常州市武进区常武南路518号",
            legal_representative="周董事长",
            contact_person="孙经理",
            phone="0519-88990000",
        ),
        post=Post(
            title="数控车床操作工",
            content="数控车床的装夹、对刀、程序输入与首件检验；设备日常保养",
            location="常州精工机械制造有限公司二号车间",
            monthly_wage=Decimal("5000.00"),
        ),
        mentor=Mentor(name="刘师傅", phone="13600136000", title="高级技师、车间班组长"),
        period=Period(start_date=start, end_date=end, place="江苏省常州市武进区常武南路518号"),
        stages=(
            Stage(
                number=1,
                name="岗位认知",
                school_months=4,
                company_months=1,
                company_start=dt.date(2027, 1, 4),
                company_end=dt.date(2027, 1, 29),
                content="企业文化、安全生产教育、岗位认知与跟岗观摩",
            ),
            Stage(
                number=2,
                name="岗位操作",
                school_months=3,
                company_months=2,
                company_start=dt.date(2027, 5, 6),
                company_end=dt.date(2027, 6, 30),
                content="在师傅指导下独立完成典型零件的数控车削加工",
            ),
        ),
        working_time=WorkingTime(schedule="周一至周五 8:30—12:00、13:30—17:30"),
        pay=Pay(monthly_amount=Decimal("4200.00"), pay_day=15),
        insurance=Insurance(
            liability=InsurancePolicy(
                insurer="中国人民财产保险股份有限公司常州市分公司",
                number="PZAB202632040000001",
                start_date=start,
                end_date=end,
            ),
            work_injury=InsurancePolicy(
                insurer="常州市社会保险基金管理中心",
                number="GS-320412-2026-0001",
                start_date=start,
                end_date=end,
            ),
        ),
        living=Living(
            board="乙方提供工作日午餐，餐费由乙方承担",
            lodging="乙方提供集体宿舍，每间不超过4人，住宿费由乙方承担",
            leave="丙方请假须提前一日向企业师傅和学校指导教师书面申请，急病可事后补办手续",
        ),
    )


# --- images for the signature blocks: a seal (公章) and a handwritten signature, drawn with Pillow ------------------

SEAL_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


def sample_seal_png(name: str, *, size: int = 400) -> bytes:
    """A red round seal with `name` along its rim and a star in the middle, on a transparent background: for the
    demo's companies and schools and for tests (a real organisation uploads a scan of its own seal)."""
    import io
    import math

    from PIL import Image, ImageDraw, ImageFont

    red = (200, 16, 32, 255)
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    ring = size // 40
    draw.ellipse((ring, ring, size - ring, size - ring), outline=red, width=ring)
    centre, star_r = size / 2, size * 0.14
    points = [
        (
            centre + (star_r if i % 2 == 0 else star_r * 0.38) * math.sin(i * math.pi / 5),
            centre - (star_r if i % 2 == 0 else star_r * 0.38) * math.cos(i * math.pi / 5),
        )
        for i in range(10)
    ]
    draw.polygon(points, fill=red)
    font = ImageFont.truetype(SEAL_FONT, int(size * 0.11), index=0)
    chars = list(name)[:20]
    spread = min(250.0, 18.0 * len(chars))  # degrees of the rim the name takes, centred on the top
    for index, char in enumerate(chars):
        angle = -spread / 2 + spread * (index + 0.5) / len(chars)
        glyph = Image.new("RGBA", (int(size * 0.14), int(size * 0.14)), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text(
            (glyph.width / 2, glyph.height / 2), char, font=font, fill=red, anchor="mm"
        )
        glyph = glyph.rotate(-angle, resample=Image.Resampling.BICUBIC)
        radius = size * 0.36
        x = centre + radius * math.sin(math.radians(angle)) - glyph.width / 2
        y = centre - radius * math.cos(math.radians(angle)) - glyph.height / 2
        image.alpha_composite(glyph, (int(x), int(y)))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def sample_drawing_png(seed: int = 1, *, width: int = 600, height: int = 200) -> bytes:
    """A made-up handwritten signature: a few joined strokes in dark ink on a transparent background."""
    import io
    import math
    import random

    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for stroke in range(3):
        x0 = width * (0.08 + 0.3 * stroke)
        points = [
            (
                x0 + t * width * 0.25,
                height / 2 + math.sin(t * math.pi * rng.uniform(2, 5)) * height * rng.uniform(0.15, 0.35),
            )
            for t in (i / 40 for i in range(41))
        ]
        draw.line(points, fill=(20, 20, 40, 255), width=6, joint="curve")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
