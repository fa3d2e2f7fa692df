from django.urls import include, path

from candidates import views

app_name = "candidates"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("register/confirm/<str:token>/", views.confirm, name="confirm"),
    path("register/resend/", views.resend, name="resend"),
    path("candidate/", views.dashboard, name="dashboard"),
    path("candidate/profile/", views.profile, name="profile"),
    path("candidate/accommodations/", views.accommodations, name="accommodations"),
    path("candidate/accommodations/<int:pk>/withdraw/", views.accommodation_withdraw, name="accommodation_withdraw"),
    path("accommodations/<int:pk>/evidence/", views.accommodation_evidence, name="accommodation_evidence"),
    path("accommodations/review/", views.accommodation_queue, name="accommodation_queue"),
    path("accommodations/review/<int:pk>/", views.accommodation_decide, name="accommodation_decide"),
    path("", include("candidates.booking_urls")),
    path("exam/", include("candidates.exam_urls")),
]
