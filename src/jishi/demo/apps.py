from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "jishi.demo"
    label = "demo"
    verbose_name = "Demo market"
