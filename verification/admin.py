"""Read-only: failed lookups are evidence, privacy choices belong to holders."""

from django.contrib import admin

from verification.models import CertificateVisibility, FailedLookup, ShareLink


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FailedLookup)
class FailedLookupAdmin(ReadOnlyAdmin):
    list_display = ["at", "address", "kind", "reason", "identifier"]
    list_filter = ["reason", "kind"]
    search_fields = ["address", "identifier"]
    date_hierarchy = "at"


@admin.register(CertificateVisibility)
class CertificateVisibilityAdmin(ReadOnlyAdmin):
    list_display = ["certificate", "hidden", "changed_at"]
    list_filter = ["hidden"]


@admin.register(ShareLink)
class ShareLinkAdmin(ReadOnlyAdmin):
    list_display = ["certificate", "label", "created_at", "expires_at", "withdrawn_at", "opened_count"]
    exclude = ["token"]  # a live link is the holder's to hand out, not the admin's
