from django.apps import AppConfig


class PlayerApiConfig(AppConfig):
    name = "player_api"
    verbose_name = "Player"
