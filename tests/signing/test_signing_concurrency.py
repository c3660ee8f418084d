"""Two simultaneous submits of the same signature record exactly one (real PostgreSQL, real threads)."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from backend.signing.models import Signature, SignatureRequest
from backend.signing.services import signing_send
from tests.signing.conftest import NOW, last_code, last_link
from tests.signing.helpers import committed

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("attempts", [2, 4])
def test_simultaneous_submits_record_exactly_one_signature(cast, attempts):
    # given: the student has a link and a valid code
    committed(lambda: signing_send(actor=cast.coordinator, revision=cast.revision, now=NOW))
    request_id, token = last_link(cast.student.phone)
    committed(lambda: APIClient().post(f"/api/v1/signing/links/{request_id}/{token}/code/"))
    code = last_code(cast.student.phone)
    barrier = threading.Barrier(attempts)
    statuses: list[int] = []
    errors: list[str] = []

    def submit() -> None:
        try:
            client = APIClient()
            barrier.wait()
            response = client.post(
                f"/api/v1/signing/links/{request_id}/{token}/sign/",
                {"code": code, "typed_name": "李小明", "agreed": True},
                format="json",
            )
            statuses.append(response.status_code)
            if response.status_code != 201:
                errors.append(response.json()["error"]["code"])
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=submit) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    # then
    assert len(statuses) == attempts
    assert statuses.count(201) == 1
    assert all(s in (409, 410) for s in statuses if s != 201)
    assert set(errors) <= {"ALREADY_SIGNED", "CODE_USED", "LINK_USED"}
    assert Signature.objects.filter(request_id=request_id).count() == 1
    assert SignatureRequest.objects.get(pk=request_id).status == "signed"
    # the guardian's turn was opened exactly once
    guardian = SignatureRequest.objects.get(envelope__requests=request_id, party="guardian")
    assert guardian.links.count() == 1
