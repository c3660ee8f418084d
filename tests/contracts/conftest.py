from pathlib import Path

import pytest

from contracts.convert import ConverterPool, ConverterSettings

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "agreements"


@pytest.fixture(scope="session")
def template_bytes():
    def load(name: str) -> bytes:
        return (TEMPLATES / f"{name}.docx").read_bytes()

    return load


@pytest.fixture(scope="module")
def converter_pool():
    """A private warm pool of one LibreOffice (the process-wide one is left alone)."""
    settings = ConverterSettings.from_env()
    pool = ConverterPool(
        ConverterSettings(**{**settings.__dict__, "pool_size": 1, "timeout": 30, "retries": 1})
    )
    yield pool
    pool.shutdown()
