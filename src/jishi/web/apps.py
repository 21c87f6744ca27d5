from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "jishi.web"
    label = "web"
    verbose_name = "Web pages"
