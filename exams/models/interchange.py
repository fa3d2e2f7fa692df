"""Imports started from the page: the uploaded file, its preview, and the progress of saving it."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def private_import_storage() -> FileSystemStorage:
    # Uploaded banks hold unreleased exam content: kept outside MEDIA_URL, never served.
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT / "imports")


class ImportJob(models.Model):
    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")  # parsed and shown; nothing saved yet
        PENDING = "pending", _("Pending")  # confirmed; waiting for a worker
        RUNNING = "running", _("Running")  # a worker is saving the items
        DONE = "done", _("Done")  # every item saved
        FAILED = "failed", _("Failed")  # nothing saved; error_message says why

    file = models.FileField(storage=private_import_storage, upload_to="%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    format = models.CharField(_("format"), max_length=64, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PREVIEWED)
    skip_unsupported = models.BooleanField(_("skip unsupported items"), default=False)
    # Only program administrators' imports keep the status our own export wrote (approved stays approved).
    keep_status = models.BooleanField(default=False)
    preview = models.JSONField(default=dict, blank=True)
    item_count = models.PositiveIntegerField(default=0)
    unsupported_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    imported_count = models.PositiveIntegerField(default=0)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    error_message = models.TextField(blank=True)
    created_refs = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress_done__lte=models.F("progress_total")) | Q(progress_total=0),
                name="import_job_progress_within_total",
            )
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.progress_done / self.progress_total) if self.progress_total else 0
