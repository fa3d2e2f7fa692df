"""Read-only views of certificates for superusers: every change goes through the services (and so
into the audit trail and the status lists), never through the Django admin's edit forms."""

from django.contrib import admin

from certificates.models import Certificate, CertificateEvent, IssuerProfile, StatusList


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CertificateEventInline(admin.TabularInline):
    model = CertificateEvent
    extra = 0
    fields = ["at", "action", "from_status", "to_status", "actor", "reason"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["number", "holder_name", "program", "status", "kind", "issued_on", "expires_on"]
    list_filter = ["status", "kind", "program"]
    search_fields = ["number", "holder_name", "public_id"]
    date_hierarchy = "issued_on"
    exclude = ["credential_json"]
    inlines = [CertificateEventInline]


@admin.register(StatusList)
class StatusListAdmin(ReadOnlyAdmin):
    list_display = ["purpose", "version", "updated_at"]
    exclude = ["bits", "signed_credential"]


@admin.register(IssuerProfile)
class IssuerProfileAdmin(ReadOnlyAdmin):
    list_display = ["name", "contact_email", "updated_at"]
