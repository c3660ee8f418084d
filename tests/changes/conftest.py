"""The signing tests' settings (SMS outbox, a throw-away sealing certificate) for the supplementary agreements."""

from tests.signing.conftest import sealing_cert, signing_settings  # noqa: F401
