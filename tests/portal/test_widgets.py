"""Every <input type=date> of the portal carries its value in ISO YYYY-MM-DD, in Chinese and in English."""

import datetime
import importlib
import pkgutil
import re

import pytest
from django import forms
from django.utils import translation

import backend.portal
import backend.portal.views
from backend.portal.widgets import IsoDateInput


class _Form(forms.Form):
    day = forms.DateField(widget=IsoDateInput())


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_date_input_renders_and_reads_iso_in_both_languages(language):
    with translation.override(language):
        html = str(_Form(initial={"day": datetime.date(2027, 9, 1)})["day"])
        bound = _Form({"day": "2027-09-01"})
        assert bound.is_valid()
    assert 'type="date"' in html and 'value="2027-09-01"' in html
    assert bound.cleaned_data["day"] == datetime.date(2027, 9, 1)


def _portal_forms() -> list[type[forms.BaseForm]]:
    for package in (backend.portal, backend.portal.views):
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
    found: list[type[forms.BaseForm]] = []
    stack: list[type] = [forms.Form, forms.ModelForm]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("backend.") and sub not in found:
                found.append(sub)
    return found


def test_every_date_field_of_every_portal_form_uses_the_iso_widget():
    # given every form class the backend defines (a form added later is checked without anyone listing it)
    offenders = []
    for form_class in _portal_forms():
        for name, field in form_class.base_fields.items():
            widget = field.widget
            is_date = isinstance(field, forms.DateField) or getattr(widget, "input_type", "") == "date"
            if is_date and not isinstance(widget, IsoDateInput):
                offenders.append(f"{form_class.__module__}.{form_class.__name__}.{name}")
    assert not offenders


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_matching_form_offers_iso_dates(client, language):
    from tests.factories.accounts import CoordinatorFactory

    client.force_login(CoordinatorFactory())
    client.cookies["django_language"] = language
    html = client.get("/school/matching/").content.decode()
    values = re.findall(r'<input type="date" name="\w+" value="([^"]*)"', html)
    assert len(values) == 2 and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) for v in values), values
