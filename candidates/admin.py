from django.contrib import admin

from candidates.models import AccommodationEvent, AccommodationRequest, CandidateProfile


@admin.register(CandidateProfile)
class CandidateProfileAdmin(admin.ModelAdmin):
    list_display = ("legal_name", "user", "time_zone", "email_confirmed_at")
    search_fields = ("legal_name", "user__email")


class AccommodationEventInline(admin.TabularInline):
    model = AccommodationEvent
    extra = 0
    can_delete = False
    readonly_fields = ("from_status", "to_status", "actor", "note", "at")


@admin.register(AccommodationRequest)
class AccommodationRequestAdmin(admin.ModelAdmin):
    list_display = ("candidate", "extra_time_percent", "status", "requested_at", "decided_by")
    list_filter = ("status", "extra_time_percent")
    readonly_fields = ("status", "decided_by", "decided_at")
    inlines = [AccommodationEventInline]
