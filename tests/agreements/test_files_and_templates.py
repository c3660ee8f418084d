"""No orphan files (a sweep deletes files no row points to, after a grace period), and the shipped default
template installed once however many threads ask for it at the same moment."""

import datetime
import os
import threading

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from backend.agreements.models import AgreementRevision, TemplateVersion
from backend.agreements.services import ORPHAN_FILE_GRACE, agreement_files_sweep, template_version_current
from tests.factories.accounts import CoordinatorFactory
from tests.factories.agreements import complete_placement
from tests.factories.schools import SchoolFactory


def _age(name: str, by: datetime.timedelta) -> None:
    when = (timezone.now() - by).timestamp()
    os.utime(default_storage.path(name), (when, when))


@pytest.mark.django_db
@pytest.mark.libreoffice
def test_the_sweep_deletes_old_files_no_row_points_to_and_keeps_the_rest():
    # given a generated agreement (its files belong to rows), an old orphan and a young one
    from backend.agreements.services import agreement_generate

    placement = complete_placement()
    agreement = agreement_generate(
        actor=CoordinatorFactory(school=placement.pilot.school), placement=placement
    )
    revision = AgreementRevision.objects.get(agreement=agreement)
    old_orphan = default_storage.save("agreements/pdf/XT-killed-r1.pdf", ContentFile(b"%PDF- personal data"))
    young_orphan = default_storage.save("agreements/docx/XT-in-flight-r1.docx", ContentFile(b"docx"))
    over = ORPHAN_FILE_GRACE + datetime.timedelta(minutes=5)
    for name in (old_orphan, revision.pdf.name, revision.docx.name):
        _age(name, over)

    # when
    deleted = agreement_files_sweep(now=timezone.now())

    # then only the old orphan is gone
    assert deleted == [old_orphan]
    assert not default_storage.exists(old_orphan)
    assert default_storage.exists(young_orphan)  # a transaction may still be about to bind it
    assert default_storage.exists(revision.pdf.name) and default_storage.exists(revision.docx.name)
    default_storage.delete(young_orphan)


@pytest.mark.django_db(transaction=True)
def test_the_shipped_default_template_is_installed_once_when_many_threads_ask_at_once():
    # given no template version at all, and four schools' workers starting their first batch together
    schools = [SchoolFactory() for _ in range(4)]
    barrier = threading.Barrier(len(schools))
    got: list[int] = []
    errors: list[BaseException] = []

    def first_use(school) -> None:
        try:
            barrier.wait()
            got.append(template_version_current(kind="three_party", school=school).pk)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=first_use, args=(school,)) for school in schools]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then exactly one default version exists and every thread got it
    assert errors == []
    defaults = TemplateVersion.objects.filter(kind="three_party", school__isnull=True)
    assert defaults.count() == 1 and defaults.get().number == 1
    assert set(got) == {defaults.get().pk}
