from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "agreements"


@pytest.fixture(scope="session")
def template_bytes():
    def load(name: str) -> bytes:
        return (TEMPLATES / f"{name}.docx").read_bytes()

    return load
