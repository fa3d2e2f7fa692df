"""The product's URLs plus the exam_day benchmark's ceiling: a bare view doing one upsert.

`baseline_upsert` runs behind the same middleware (session, CSRF, authentication) as the
autosave endpoint and does the least an autosave could: check the signed-in session, parse the
same JSON, and upsert one row keyed by the user (bench_upsert, created by bench/exam_day.py).
Only bench/_exam_day_settings.py points at this module.
"""

import json

from django.db import connection
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone

from certdesk.urls import urlpatterns as product_urlpatterns

BASELINE_UPSERT = """
INSERT INTO bench_upsert (user_id, value, flagged, client_seq, saved_at) VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (user_id) DO UPDATE
SET value = EXCLUDED.value, flagged = EXCLUDED.flagged, client_seq = EXCLUDED.client_seq, saved_at = EXCLUDED.saved_at
WHERE bench_upsert.client_seq < EXCLUDED.client_seq
"""


def baseline_upsert(request):
    if request.method != "POST":
        return JsonResponse({"reason": "method"}, status=405)
    if not request.user.is_authenticated:
        return JsonResponse({"reason": "signed_out"}, status=403)
    data = json.loads(request.body)
    with connection.cursor() as cursor:
        cursor.execute(
            BASELINE_UPSERT,
            [request.user.pk, json.dumps(data["value"]), bool(data.get("flagged")), data["seq"], timezone.now()],
        )
        stored = cursor.rowcount == 1
    return JsonResponse({"stored": stored, "seq": data["seq"]})


urlpatterns = [path("bench/baseline-upsert", baseline_upsert), *product_urlpatterns]
