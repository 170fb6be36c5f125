from django.urls import URLPattern

app_name = "launches"
urlpatterns: list[URLPattern] = []
