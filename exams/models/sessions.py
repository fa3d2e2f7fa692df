"""The administrators' history of an exam session: created, changed, published, cancelled."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from exams.models.delivery import ExamSession


class SessionEvent(models.Model):
    """Append-only: who did what to a session, when and why (a cancellation keeps its reason here)."""

    session = models.ForeignKey(ExamSession, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=24)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    reason = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.session_id} {self.action}"
