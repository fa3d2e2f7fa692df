from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import AccountEvent, Invitation, User


@admin.register(User)
class CertdeskUserAdmin(UserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "is_active", "is_staff")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "status", "invited_by", "created_at", "expires_at")
    list_filter = ("status",)
    search_fields = ("email", "first_name", "last_name")
    readonly_fields = ("token",)


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    list_display = ("at", "kind", "actor", "subject_user")
    list_filter = ("kind",)

    def has_change_permission(self, request, obj=None):
        return False  # the audit trail is append-only

    def has_delete_permission(self, request, obj=None):
        return False
