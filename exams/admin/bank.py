from django.contrib import admin

from exams.models import Item, ItemEvent, ItemOption, ItemVersion, Tag


class ItemOptionInline(admin.TabularInline):
    model = ItemOption
    extra = 0
    fields = ("position", "identifier", "text", "is_correct", "feedback")

    def has_change_permission(self, request, obj=None):
        return obj is not None and obj.status == "draft"


@admin.register(ItemVersion)
class ItemVersionAdmin(admin.ModelAdmin):
    list_display = ("item", "number", "type", "status", "created_by", "created_at")
    list_filter = ("status", "type")
    search_fields = ("item__ref", "stem")
    inlines = [ItemOptionInline]
    readonly_fields = ("status", "approved_at", "reviewed_by")

    def has_change_permission(self, request, obj=None):
        # Approved text is immutable: the workflow pages make new versions instead.
        return obj is None or obj.status == "draft"


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("ref", "competency", "level", "difficulty", "enemy_group", "current_version", "approved_version")
    list_filter = ("competency__domain__standard", "difficulty")
    search_fields = ("ref", "enemy_group")
    list_select_related = ("competency", "level", "current_version", "approved_version")
    raw_id_fields = ("current_version", "approved_version")


@admin.register(ItemEvent)
class ItemEventAdmin(admin.ModelAdmin):
    list_display = ("at", "item", "kind", "from_status", "to_status", "actor")
    list_filter = ("kind",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(Tag)
