"""The service's URLs plus the baseline views that the benchmarks compare against."""

from __future__ import annotations

from django.urls import path

from benchmarks.views import empty, verify_only
from gooru_lti.urls import urlpatterns as service_urlpatterns

urlpatterns = [
    path("bench/empty/", empty, name="bench-empty"),
    path("bench/verify-only/", verify_only, name="bench-verify-only"),
    *service_urlpatterns,
]
