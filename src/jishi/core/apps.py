from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jishi.core"
    label = "core"
    verbose_name = "Core"
