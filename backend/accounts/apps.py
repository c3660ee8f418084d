from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "backend.accounts"
    label = "accounts"
    verbose_name = "账户 Accounts"

    def ready(self) -> None:
        from . import scopes  # noqa: F401  (registers who sees user accounts)
