"""The message files are complete and the committed .mo files are compiled from the committed .po files."""

import shutil
import subprocess
import sys
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


def test_every_marked_string_in_the_source_has_an_english_translation(tmp_path):
    # given the project's source and message files, copied so that makemessages cannot touch the checkout
    root = LOCALE.parent
    for part in ("backend", "templates", "contracts", "worker"):
        shutil.copytree(root / part, tmp_path / part, ignore=shutil.ignore_patterns("static", "__pycache__"))
    shutil.copy(root / "manage.py", tmp_path / "manage.py")
    shutil.copytree(LOCALE, tmp_path / "locale")
    # when the messages are extracted again from the source
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete", "-v0"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    # then none of them is missing from the English file or only guessed (fuzzy)
    po = tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po"
    for flag in ("--untranslated", "--only-fuzzy"):
        found = subprocess.run(
            ["msgattrib", flag, str(po)], capture_output=True, text=True, check=True
        ).stdout
        missing = [line for line in found.splitlines() if line.startswith("msgid ") and line != 'msgid ""']
        assert not missing, f"{flag}: {missing}; add them to locale/en/LC_MESSAGES/django.po"
