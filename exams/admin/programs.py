from django.contrib import admin

from exams.models import (
    Blueprint,
    BlueprintCompetency,
    BlueprintDomain,
    CertificationProgram,
    ExamForm,
    FixedForm,
    FixedFormItem,
    FormItem,
    ProgramEvent,
    ScoreAdjustment,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Logs and frozen records: visible for support, written only by the services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CertificationProgram)
class CertificationProgramAdmin(ReadOnlyAdmin):
    # Changes go through exams.programs so that each one is validated and audited.
    list_display = ("code", "name", "standard", "level", "item_count", "duration_minutes", "delivery_mode", "status")
    list_filter = ("status", "delivery_mode", "standard")
    search_fields = ("code", "name")
    list_select_related = ("standard", "level")


class BlueprintDomainInline(ReadOnlyInline):
    model = BlueprintDomain


class BlueprintCompetencyInline(ReadOnlyInline):
    model = BlueprintCompetency


@admin.register(Blueprint)
class BlueprintAdmin(ReadOnlyAdmin):
    list_display = ("program", "difficulty_target", "difficulty_tolerance", "enemy_rule", "updated_at")
    inlines = [BlueprintDomainInline, BlueprintCompetencyInline]


@admin.register(ProgramEvent)
class ProgramEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "program", "kind", "while_published", "actor")
    list_filter = ("kind", "while_published")


class FixedFormItemInline(ReadOnlyInline):
    model = FixedFormItem
    raw_id_fields = ("item_version",)


@admin.register(FixedForm)
class FixedFormAdmin(ReadOnlyAdmin):
    list_display = ("program", "label", "status", "published_by", "published_at")
    list_filter = ("status", "program")
    inlines = [FixedFormItemInline]


class FormItemInline(ReadOnlyInline):
    model = FormItem
    raw_id_fields = ("item_version",)


@admin.register(ExamForm)
class ExamFormAdmin(ReadOnlyAdmin):
    list_display = ("pk", "program", "seed", "fixed_form", "created_at")
    list_filter = ("program",)
    inlines = [FormItemInline]


@admin.register(ScoreAdjustment)
class ScoreAdjustmentAdmin(ReadOnlyAdmin):
    list_display = ("at", "program", "item_version", "kind", "by")
    list_filter = ("kind", "program")
