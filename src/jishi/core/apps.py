from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jishi.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from jishi.core.masking import install_log_masking

        install_log_masking()
