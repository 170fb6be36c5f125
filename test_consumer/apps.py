from django.apps import AppConfig


class TestConsumerConfig(AppConfig):
    name = "test_consumer"
    verbose_name = "Test consumer and outcome inspector"
