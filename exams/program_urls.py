# Certification programs, blueprints and the bank's coverage, under /programs/ in the "exams" namespace.
from django.urls import path

from exams import views_programs as views

urlpatterns = [
    path("", views.program_list, name="program_list"),
    path("new/", views.program_create, name="program_create"),
    path("coverage/", views.coverage, name="coverage"),
    path("<int:pk>/", views.program_detail, name="program_detail"),
    path("<int:pk>/edit/", views.program_edit, name="program_edit"),
    path("<int:pk>/publish/", views.program_publish, name="program_publish"),
    path("<int:pk>/blueprint/", views.blueprint_edit, name="blueprint_edit"),
    path("<int:pk>/blueprint/feasibility/", views.blueprint_feasibility, name="blueprint_feasibility"),
    path("<int:pk>/preview/", views.form_preview, name="form_preview"),
]
