"""Form widgets of the portal."""

from typing import Any

from django import forms

ISO_DATE = "%Y-%m-%d"


class IsoDateInput(forms.DateInput):
    """<input type="date">: the browser reads and writes its value as ISO YYYY-MM-DD whatever the page's language
    (zh-hans' first input format, 2027/09/01, is refused by the browser and the field looks empty)."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=ISO_DATE)
