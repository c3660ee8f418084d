"""Serializer fields shared by the API."""

from typing import Any

from rest_framework import serializers

from backend.core.text import clean_name


class NameField(serializers.CharField):
    """A person's or an organisation's name: control, bidi-override and zero-width characters are removed
    (`backend.core.text.clean_name`) before the length and blank checks, so a name made only of them is blank."""

    def to_internal_value(self, data: Any) -> str:
        value = clean_name(super().to_internal_value(data))
        if not value and not self.allow_blank:
            self.fail("blank")
        return value
