from django.contrib import admin

from standards.models import BehaviourStatement, Competency, Domain, InterviewQuestion, Level, Standard


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0
    fields = ("order", "code", "name", "weight")


class LevelInline(admin.StackedInline):
    model = Level
    extra = 0


class InterviewQuestionInline(admin.TabularInline):
    model = InterviewQuestion
    extra = 0


@admin.register(Standard)
class StandardAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "publisher", "level_kind", "language")
    search_fields = ("code", "name", "full_name")
    inlines = [DomainInline, LevelInline, InterviewQuestionInline]


class CompetencyInline(admin.TabularInline):
    model = Competency
    extra = 0
    fields = ("order", "code", "title", "derived")


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ("standard", "code", "name", "weight")
    list_filter = ("standard",)
    inlines = [CompetencyInline]


@admin.register(Competency)
class CompetencyAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "domain", "derived")
    list_filter = ("domain__standard", "derived")
    search_fields = ("code", "title", "description")
    list_select_related = ("domain__standard",)


class BehaviourInline(admin.TabularInline):
    model = BehaviourStatement
    extra = 0


@admin.register(Level)
class LevelAdmin(admin.ModelAdmin):
    list_display = ("standard", "number", "name", "name_original")
    list_filter = ("standard",)
    inlines = [BehaviourInline]


@admin.register(BehaviourStatement)
class BehaviourStatementAdmin(admin.ModelAdmin):
    list_display = ("level", "order", "text")
    list_filter = ("level__standard",)


@admin.register(InterviewQuestion)
class InterviewQuestionAdmin(admin.ModelAdmin):
    list_display = ("standard", "order", "text")
