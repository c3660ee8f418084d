"""The page behind the SMS link: a student signs with a plain browser form."""

import pytest

from backend.signing.models import Signature
from backend.signing.services import signing_send
from tests.signing.conftest import NOW, last_code, last_link
from tests.signing.helpers import committed

pytestmark = pytest.mark.django_db


def test_a_student_signs_on_the_link_page(cast, client):
    # given
    committed(lambda: signing_send(actor=cast.coordinator, revision=cast.revision, now=NOW))
    request_id, token = last_link(cast.student.phone)
    url = f"/sign/{request_id}/{token}"

    # when
    page = client.get(url)
    committed(lambda: client.post(url, {"action": "code"}))
    wrong_name = client.post(
        url, {"action": "sign", "code": last_code(cast.student.phone), "typed_name": "张三", "agreed": "on"}
    )
    signed = committed(
        lambda: client.post(
            url,
            {"action": "sign", "code": last_code(cast.student.phone), "typed_name": "李小明", "agreed": "on"},
            HTTP_USER_AGENT="Mozilla/5.0 (Android) WeChat",
        )
    )
    again = client.get(url)

    # then
    assert page.status_code == 200 and "李小明" in page.content.decode()
    assert cast.student.resident_id not in page.content.decode()
    assert 'data-code="NAME_MISMATCH"' in wrong_name.content.decode()
    assert 'data-code="SIGNED"' in signed.content.decode()
    assert Signature.objects.get(request_id=request_id).user_agent == "Mozilla/5.0 (Android) WeChat"
    assert again.status_code == 410 and 'data-code="LINK_USED"' in again.content.decode()


def test_an_unknown_link_page_says_so(db, client):
    response = client.get("/sign/999999/not-a-token")
    assert response.status_code == 404
    assert 'data-code="LINK_INVALID"' in response.content.decode()
