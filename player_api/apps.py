from django.apps import AppConfig


class PlayerApiConfig(AppConfig):
    name = "player_api"
    verbose_name = "Player"

    def ready(self) -> None:
        # Registers the OpenAPI descriptions of the player's authentication classes.
        from player_api import authentication  # noqa: F401
