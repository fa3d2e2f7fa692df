# Program administrators' exam sessions, under /sessions/ in the "exams" namespace.
from django.urls import path

from exams import views_sessions as views

urlpatterns = [
    path("", views.session_list, name="session_list"),
    path("new/", views.session_create, name="session_create"),
    path("<int:pk>/", views.session_detail, name="session_detail"),
    path("<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("<int:pk>/publish/", views.session_publish, name="session_publish"),
    path("<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("<int:pk>/no-shows/", views.session_no_shows, name="session_no_shows"),
]
