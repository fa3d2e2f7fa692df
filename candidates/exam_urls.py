# The candidate's exam, included at "exam/" in the "candidates" namespace.
from django.urls import path

from candidates import views_exam as views
from candidates import views_exam_live as live_views

urlpatterns = [
    path("practice/", views.exam_practice, name="exam_practice"),
    path("<str:public_id>/check-in/", views.exam_checkin, name="exam_checkin"),
    path("<str:public_id>/start/", views.exam_start, name="exam_start"),
    path("<str:public_id>/", views.exam, name="exam"),
    path("<str:public_id>/payload.json", views.exam_payload_json, name="exam_payload"),
    path("<str:public_id>/answer", views.exam_answer, name="exam_answer"),
    path("<str:public_id>/heartbeat", views.exam_heartbeat, name="exam_heartbeat"),
    path("<str:public_id>/state", views.exam_state, name="exam_state"),
    path("<str:public_id>/live", live_views.exam_live, name="exam_live"),
    path("<str:public_id>/events", live_views.exam_events, name="exam_events"),
    path("<str:public_id>/start-state", live_views.exam_start_state, name="exam_start_state"),
    path("<str:public_id>/submit/", views.exam_submit, name="exam_submit"),
    path("<str:public_id>/result/", views.exam_result, name="exam_result"),
    path("<str:public_id>/result.pdf", views.exam_result_pdf, name="exam_result_pdf"),
]
