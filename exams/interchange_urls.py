# Question-bank import and export pages, for authors and program administrators.
from django.urls import path

from exams import views_interchange as views

urlpatterns = [
    path("", views.interchange_home, name="interchange"),
    path("imports/<int:pk>/", views.import_job_detail, name="interchange_job"),
    path("imports/<int:pk>/progress/", views.import_job_progress, name="interchange_job_progress"),
    path("export/", views.export_page, name="interchange_export"),
    path("export/<str:format>/", views.export_download, name="interchange_download"),
]
