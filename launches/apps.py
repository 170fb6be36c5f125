from django.apps import AppConfig


class LaunchesConfig(AppConfig):
    name = "launches"
    verbose_name = "LTI launches"
