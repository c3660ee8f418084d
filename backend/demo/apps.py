from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data behind `make run`. The top of the import graph: it may import every app; nothing imports it."""

    name = "backend.demo"
    label = "demo"
    verbose_name = "演示数据 Demo"
