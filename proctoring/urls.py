# Proctoring, included at "proctoring/" in the "proctoring" namespace.
from django.urls import include, path

from proctoring import views

app_name = "proctoring"

urlpatterns = [
    path("", views.session_list, name="session_list"),
    path("sessions/<int:pk>/", views.session_dashboard, name="session"),
    path("sessions/<int:pk>/rows/", views.session_rows, name="session_rows"),
    path("sessions/<int:pk>/pause/", views.session_pause, name="session_pause"),
    path("sessions/<int:pk>/resume/", views.session_resume, name="session_resume"),
    path("sessions/<int:pk>/no-shows/", views.session_no_shows, name="session_no_shows"),
    path("sessions/<int:pk>/log/", views.session_log, name="session_log"),
    path("attempts/<str:public_id>/", views.attempt_detail, name="attempt"),
    path("attempts/<str:public_id>/status/", views.attempt_status, name="attempt_status"),
    path("attempts/<str:public_id>/admit/", views.attempt_admit, name="admit"),
    path("attempts/<str:public_id>/photo/", views.admission_photo, name="admission_photo"),
    path("attempts/<str:public_id>/<slug:action>/", views.attempt_action, name="attempt_action"),
    path("incidents/<int:pk>/decide/", views.incident_decide, name="incident_decide"),
    path("thresholds/", views.thresholds, name="thresholds"),
    path("thresholds/<int:pk>/", views.thresholds_edit, name="thresholds_edit"),
    path("", include("proctoring.urls_records")),
]
