from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data (``sijaga demo_data``): written through the other apps' services, no tables of its own."""

    name = "sijaga.demo"
    label = "demo"
    verbose_name = "Data demo"
