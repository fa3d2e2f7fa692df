from django.db import DatabaseError
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from certdesk.health import health_report


def home(request):
    return render(request, "home.html")


@never_cache
def healthz(request):
    try:
        report = health_report()
    except DatabaseError:
        return JsonResponse({"status": "error", "reason": "database unavailable"}, status=503)
    return JsonResponse({"status": "ok", **report})
