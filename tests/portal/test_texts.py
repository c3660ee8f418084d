"""Labels where codes were: hazard tags, placement history, the mentor form, /verify, batch failures, plurals, the
SMS outbox; the signing page keeps the signer's place and choices after a refusal."""

import datetime
import json
import re

import pytest
from django.utils import timezone

from backend.agreements.models import AgreementBatch, AgreementBatchItem, BatchItemStatus
from backend.placements.models import PlacementEvent, PlacementStatus
from backend.signing.models import Party, VerificationMethod
from backend.signing.sealing import VerifyAnswer
from backend.signing.views import _readable
from tests.factories.accounts import CoordinatorFactory, HrFactory
from tests.factories.companies import PostFactory
from tests.factories.placements import PlacementFactory

pytestmark = pytest.mark.django_db


def test_hazard_tags_show_their_labels(client):
    post = PostFactory(hazard_tags=["height", "heavy_lifting"], capacity=1)
    client.force_login(HrFactory(company=post.company))
    html = client.get("/company/posts/").content.decode()
    assert "高处作业、负重超过20公斤" in html and "heavy_lifting" not in html
    client.cookies["django_language"] = "en"
    html = client.get("/company/posts/").content.decode()
    assert "heavy_lifting" not in html and ">height<" not in html


def test_placement_history_reads_as_sentences(client):
    placement = PlacementFactory()
    PlacementEvent.objects.create(placement=placement, to_status=PlacementStatus.PROPOSED, note="created")
    PlacementEvent.objects.create(
        placement=placement,
        from_status=PlacementStatus.PROPOSED,
        to_status=PlacementStatus.SIGNING,
        note="agreement sent",
    )
    client.force_login(CoordinatorFactory(school=placement.pilot.school))
    html = client.get(f"/school/placements/{placement.pk}/").content.decode()
    events = html[html.index('data-testid="events"') :]
    assert "由“拟安排”变为“协议签署中”" in events and "协议已发出签署" in events and "状态：拟安排" in events
    assert "→" not in events and "proposed" not in events and "created" not in events
    client.cookies["django_language"] = "en"
    html = client.get(f"/school/placements/{placement.pk}/").content.decode()
    events = html[html.index('data-testid="events"') :]
    assert "agreement sent for signing" in events and "拟安排" not in events


def test_the_mentor_form_labels_the_post_in_chinese(client):
    hr = HrFactory()
    client.force_login(hr)
    html = client.get("/company/mentors/new/").content.decode()
    assert re.search(r'<label for="id_post">岗位', html) and "Post:" not in html


def test_verify_shows_party_labels_and_local_times():
    answer = VerifyAnswer(
        valid=True,
        reason="OK",
        message="",
        message_en="",
        document_sha256="0" * 64,
        checked="hash",
        agreement={
            "sealed_at": "2026-12-01T02:05:00+00:00",
            "parties": [{"party": Party.GUARDIAN, "name": "李建国"}],
        },
        history=[
            {
                "party": Party.STUDENT,
                "signer_name": "李小明",
                "signed_at": "2026-12-01T01:00:00+00:00",
                "verification_method": VerificationMethod.SMS_LINK,
            }
        ],
    )
    readable = _readable(answer)
    assert readable["sealed_at"] == "2026-12-01 10:05:00 (UTC+8)"
    assert readable["parties"] == [{"zh": "监护人", "en": "Guardian", "name": "李建国"}]
    (row,) = readable["history"]
    assert (row["zh"], row["en"], row["signed_at"]) == ("学生", "Student", "2026-12-01 09:00:00 (UTC+8)")
    assert row["method_zh"] == "签署链接 + 短信验证码" and "sms_link" not in row["method_en"]


def test_batch_failures_are_in_the_pages_language_and_name_what_is_missing(client):
    placement = PlacementFactory(supervising_teacher="")
    coordinator = CoordinatorFactory(school=placement.pilot.school)
    batch = AgreementBatch.objects.create(
        school=placement.pilot.school, cohort=placement.student.cohort, created_by=coordinator
    )
    AgreementBatchItem.objects.create(
        batch=batch,
        placement=placement,
        status=BatchItemStatus.FAILED,
        error_code="AGREEMENT_DATA_MISSING",
        error_message="缺少生成协议所需的信息：学校指导教师、培养阶段。",
    )
    client.force_login(coordinator)
    client.cookies["django_language"] = "en"
    html = client.get(f"/school/agreements/batches/{batch.pk}/").content.decode()
    failure = html[html.index('data-testid="batch-failure"') :]
    assert "missing: " in failure and "supervising teacher" in failure.lower()
    assert "缺少" not in failure and "AGREEMENT_DATA_MISSING" not in failure
    assert f'href="/school/placements/{placement.pk}/edit#teacher"' in failure


def test_one_apprentice_is_singular_in_english(client):
    post = PostFactory(capacity=1)
    client.force_login(HrFactory(company=post.company))
    client.cookies["django_language"] = "en"
    html = client.get("/company/").content.decode()
    assert "0 / 1 apprentice<" in html and "1 apprentices" not in html


def test_the_sms_outbox_lists_messages_without_a_raw_dict(client, settings, tmp_path):
    settings.DEBUG = True
    settings.XUETU_SMS_BACKEND = "backend.signing.sms.FileSmsBackend"
    settings.VAR_DIR = tmp_path
    at = datetime.datetime(2026, 12, 1, 1, 0, tzinfo=datetime.UTC).isoformat()
    (tmp_path / "sms-outbox.jsonl").write_text(
        json.dumps({"at": at, "phone": "13900001111", "text": "请签署 http://127.0.0.1:8000/sign/1/abc 链接"})
        + "\n",
        encoding="utf-8",
    )
    html = client.get("/dev/sms/").content.decode()
    assert "{&#x27;" not in html and "{'" not in html
    assert "2026-12-01 09:00:00" in html and 'class="table-wrap"' in html
    assert 'href="http://127.0.0.1:8000/sign/1/abc"' in html


def test_a_refused_signature_keeps_the_signers_place_and_choices(client, settings):
    from backend.signing import sms
    from backend.signing.services import signing_send
    from tests.factories.schools import GuardianFactory, birth_date_for_age
    from tests.signing.conftest import last_link
    from tests.signing.helpers import committed, make_agreement_revision

    settings.XUETU_SMS_BACKEND = "backend.signing.sms.LocmemSmsBackend"
    sms.outbox.clear()
    start = datetime.date(2026, 9, 1)
    placement = PlacementFactory(
        student__phone="13900001111", student__birth=birth_date_for_age(17, start), start_date=start
    )
    GuardianFactory(student=placement.student, phone="13811112222")
    coordinator = CoordinatorFactory(school=placement.pilot.school)
    revision = make_agreement_revision(placement, four_party=True)
    committed(lambda: signing_send(actor=coordinator, revision=revision, now=timezone.now()))
    request_id, token = last_link("13900001111")
    base = f"/sign/{request_id}/{token}"
    committed(lambda: client.post(f"{base}/code"))
    # when the student types a wrong code
    response = client.post(
        f"{base}/sign", {"code": "000000", "typed_name": placement.student.name, "agreed": "on"}
    )
    html = response.content.decode()
    # then the form comes back at its own anchor, the error right below the code field, the box still ticked
    assert response.status_code == 400
    assert f'action="{base}/sign#sign-form" id="sign-form"' in html
    code_at, error_at, name_at = (
        html.index('name="code"'),
        html.index('data-testid="sign-error"'),
        html.index('name="typed_name"'),
    )
    assert code_at < error_at < name_at
    assert re.search(r'name="agreed" required checked', html)
    # and unticked stays unticked
    response = client.post(f"{base}/sign", {"code": "000000", "typed_name": placement.student.name})
    assert not re.search(r'name="agreed" required checked', response.content.decode())
    sms.outbox.clear()
