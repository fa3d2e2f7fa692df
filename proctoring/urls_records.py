# The proctoring record (exports) and the review after the session; included by proctoring/urls.py,
# so these names live in the "proctoring" namespace. Paths stay clear of attempts/<id>/<action>/.
from django.urls import path

from proctoring import views_records

urlpatterns = [
    path("sessions/<int:pk>/log.csv", views_records.session_log_csv, name="session_log_csv"),
    path("sessions/<int:pk>/reports/", views_records.session_reports, name="session_reports"),
    path("sessions/<int:pk>/reports/<str:filename>", views_records.session_report_download, name="session_report"),
    path("attempts/<str:public_id>/log.csv", views_records.attempt_log_csv, name="attempt_log_csv"),
    path("review/", views_records.review_queue, name="review_queue"),
    path("review/<str:public_id>/", views_records.review_attempt, name="review_attempt"),
    path("review/<str:public_id>/<slug:outcome>/", views_records.review_decide, name="review_decide"),
]
