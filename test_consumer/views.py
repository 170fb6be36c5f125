"""The test consumer page, the outcome inspector endpoint and its staff page.

Every view here is 404 unless TEST_CONSUMER_ENABLED is on, so a production
deployment does not expose a second way to sign launches or accept scores.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from test_consumer.forms import FailurePlanForm, LaunchForm
from test_consumer.inspector import outcome_request_handle
from test_consumer.launch import launch_parameters, sign_launch
from test_consumer.models import FailurePlan, GradebookEntry, InspectedRequest

LAUNCH_PATH = "/lti/launch/"
INSPECTOR_PAGE_SIZE = 100

View = Callable[..., HttpResponseBase]


def enabled_only(view: View) -> View:
    """Raise Http404 while TEST_CONSUMER_ENABLED is off."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not settings.TEST_CONSUMER_ENABLED:
            raise Http404("The test consumer is not enabled.")
        return view(request, *args, **kwargs)

    return wrapper


def _absolute(request: HttpRequest, path: str) -> str:
    base = settings.LTI_PUBLIC_BASE_URL
    return f"{base}{path}" if base else request.build_absolute_uri(path)


@enabled_only
@staff_member_required
@require_http_methods(["GET", "POST"])
def launch_page(request: HttpRequest) -> HttpResponse:
    """Render the launch form on GET, and on POST sign the launch for the browser to post."""
    if request.method == "GET":
        form = LaunchForm(initial={"launch_url": _absolute(request, LAUNCH_PATH)})
        return render(request, "test_consumer/launch_form.html", {"form": form})

    form = LaunchForm(request.POST)
    if not form.is_valid():
        return render(request, "test_consumer/launch_form.html", {"form": form}, status=400)

    choice = form.choice()
    in_new_tab = request.POST.get("presentation") == "window"
    params = launch_parameters(
        choice,
        outcome_service_url=_absolute(request, reverse("test_consumer:outcomes")),
        return_url=_absolute(request, reverse("test_consumer:return")),
        document_target="window" if in_new_tab else "iframe",
        instance_guid=request.get_host(),
    )
    launch_url = form.cleaned_data["launch_url"]
    context = {
        "choice": choice,
        "launch_url": launch_url,
        "fields": sign_launch(choice.consumer, launch_url, params),
    }
    template = "test_consumer/launch_window.html" if in_new_tab else "test_consumer/lms_page.html"
    return render(request, template, context)


@enabled_only
@require_http_methods(["GET"])
def launch_return(request: HttpRequest) -> HttpResponse:
    """Show the parameters the tool sent the user back with (lti_msg, lti_errormsg and logs)."""
    return render(request, "test_consumer/return.html", {"params": request.GET})


@csrf_exempt
@enabled_only
@require_POST
def outcomes_endpoint(request: HttpRequest) -> HttpResponse:
    """Receive, reply to and record a Gooru JSON or LTI 1.1 POX outcome request."""
    reply = outcome_request_handle(request)
    return HttpResponse(reply.body, status=reply.status, content_type=reply.content_type)


@enabled_only
@staff_member_required
@require_http_methods(["GET"])
def inspector_page(request: HttpRequest) -> HttpResponse:
    """List the requests received, newest first, the gradebook and the failure plan."""
    plan = FailurePlan.current()
    context = {
        "requests": InspectedRequest.objects.select_related("consumer")[:INSPECTOR_PAGE_SIZE],
        "request_count": InspectedRequest.objects.count(),
        "page_size": INSPECTOR_PAGE_SIZE,
        "gradebook": GradebookEntry.objects.select_related("consumer")[:INSPECTOR_PAGE_SIZE],
        "plan": plan,
        "plan_form": FailurePlanForm(initial={"mode": plan.mode}),
        "outcomes_url": _absolute(request, reverse("test_consumer:outcomes")),
    }
    return render(request, "test_consumer/inspector.html", context)


@enabled_only
@staff_member_required
@require_POST
def failure_plan_update(request: HttpRequest) -> HttpResponse:
    """Plan failures for the next requests the inspector receives."""
    form = FailurePlanForm(request.POST)
    if form.is_valid():
        plan = FailurePlan.schedule(form.cleaned_data["count"], form.cleaned_data["mode"])
        messages.success(request, str(plan))
    else:
        messages.error(request, f"The failure plan was not changed: {form.errors.as_text()}")
    return redirect("test_consumer:inspector")
