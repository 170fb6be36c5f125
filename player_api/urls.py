from django.urls import URLPattern

app_name = "player_api"
urlpatterns: list[URLPattern] = []
