"""What the journey needed from the portal: the roster template to download, the bureau setting a pilot's budget."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from backend.schools.models import Student
from backend.schools.roster import roster_preview
from backend.subsidy.models import PilotBudget
from tests.factories.accounts import BureauFactory, CoordinatorFactory
from tests.factories.placements import PilotProjectFactory
from tests.factories.schools import ProgramFactory

pytestmark = pytest.mark.django_db


def test_the_roster_template_downloads_and_its_example_row_previews_cleanly(client):
    # given a coordinator of a school with a programme
    program = ProgramFactory(name="数控技术应用")
    client.force_login(CoordinatorFactory(school=program.school))
    # when the two templates are downloaded
    xlsx = client.get("/school/roster/template.xlsx")
    csv = client.get("/school/roster/template.csv")
    # then they are attachments with the headings the import reads, and their example row passes the preview
    assert "attachment" in xlsx["Content-Disposition"] and "attachment" in csv["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert [c.value for c in sheet[1]][:4] == ["姓名", "身份证号", "专业", "入学年份"]
    assert sheet["D2"].value == 2025  # a number cell
    for name, content in (("t.xlsx", xlsx.content), ("t.csv", csv.content)):
        preview = roster_preview(school=program.school, file_name=name, content=content)
        assert preview.errors == [] and len(preview.new_rows) == 1
    assert Student.objects.count() == 0  # a preview writes nothing
    assert client.get("/school/roster/template.pdf").status_code == 404


def test_only_a_coordinator_downloads_the_roster_template(client):
    client.force_login(BureauFactory())
    assert client.get("/school/roster/template.xlsx").status_code in (403, 404)


def test_the_bureau_sets_a_pilots_yearly_budget_on_the_subsidy_page(client):
    # given a pilot and the bureau
    pilot = PilotProjectFactory()
    client.force_login(BureauFactory())
    assert 'data-testid="budget-form"' in client.get("/bureau/subsidy/").content.decode()
    # when the bureau sets the 2026 budget
    response = client.post(
        "/bureau/subsidy/budget", {"pilot": pilot.pk, "year": "2026", "amount": "150000.00"}, follow=True
    )
    # then it is stored and listed
    assert PilotBudget.objects.get(pilot=pilot, year=2026).amount == Decimal("150000.00")
    assert "150000.00" in response.content.decode()


def test_a_coordinator_cannot_set_a_budget_and_a_bad_amount_writes_nothing(client):
    pilot = PilotProjectFactory()
    client.force_login(CoordinatorFactory(school=pilot.school))
    response = client.post("/bureau/subsidy/budget", {"pilot": pilot.pk, "year": "2026", "amount": "1"})
    assert response.status_code in (403, 404)
    client.force_login(BureauFactory())
    client.post("/bureau/subsidy/budget", {"pilot": pilot.pk, "year": "2026", "amount": "-5"})
    assert PilotBudget.objects.count() == 0
