"""One error type for the domain. The API turns it into {"error": {"code", "message", "message_en", "details"}}."""

from typing import Any


class ApplicationError(Exception):
    """A refusal the user can act on: a rule code, a message in Chinese and English, the figures involved."""

    def __init__(
        self,
        code: str,
        message: str,
        message_en: str = "",
        *,
        details: dict[str, Any] | list[Any] | None = None,
        status: int = 400,
    ) -> None:
        super().__init__(message_en or message)
        self.code = code
        self.message = message
        self.message_en = message_en or message
        self.details = details if details is not None else {}
        self.status = status

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "message_en": self.message_en,
            "details": self.details,
        }


class NotFound(ApplicationError):
    def __init__(self, what: str = "object") -> None:
        super().__init__("NOT_FOUND", "未找到", f"{what} not found", status=404)
