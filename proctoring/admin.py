from django.contrib import admin

from proctoring.models import Admission, Incident, IntegrityEvent, IntegrityThreshold, ProctorNote, ReviewDecision


@admin.register(IntegrityThreshold)
class IntegrityThresholdAdmin(admin.ModelAdmin):
    list_display = ["program", "kind", "threshold"]
    list_filter = ["kind"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """The proctoring record is append-only: the admin shows it, the proctoring pages write it."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Admission)
class AdmissionAdmin(ReadOnlyAdmin):
    list_display = ["attempt", "admitted_by", "admitted_at", "id_document_type", "minutes_late"]


@admin.register(IntegrityEvent)
class IntegrityEventAdmin(ReadOnlyAdmin):
    list_display = ["attempt", "kind", "source", "at"]
    list_filter = ["kind", "source"]


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ["attempt", "kind", "status", "outcome", "opened_at", "decided_by"]
    list_filter = ["status", "kind"]


@admin.register(ProctorNote)
class ProctorNoteAdmin(ReadOnlyAdmin):
    list_display = ["session", "attempt", "author", "at"]


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(ReadOnlyAdmin):
    list_display = ["attempt", "outcome", "decided_by", "decided_at"]
