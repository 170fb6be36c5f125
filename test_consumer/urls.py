from django.urls import URLPattern

app_name = "test_consumer"
urlpatterns: list[URLPattern] = []
