"""The message files are complete and the committed .mo files are compiled from the committed .po files."""

import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"


@pytest.mark.parametrize("language", ["en", "zh_Hans"])
def test_every_message_is_translated(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    untranslated = subprocess.run(
        ["msgattrib", "--untranslated", "--no-obsolete", str(po)], capture_output=True, text=True, check=True
    ).stdout
    assert untranslated.count("msgid ") <= 1, untranslated[:2000]  # at most the header


@pytest.mark.parametrize("language", ["en", "zh_Hans"])
def test_the_committed_mo_matches_the_po(language):
    folder = LOCALE / language / "LC_MESSAGES"
    compiled = subprocess.run(
        ["msgfmt", "--check-format", "-o", "-", str(folder / "django.po")], capture_output=True, check=True
    ).stdout
    assert compiled == (folder / "django.mo").read_bytes(), (
        "run `manage.py compilemessages` and commit the .mo"
    )
