# The candidate's booking pages, in the "candidates" namespace.
from django.urls import path

from candidates import views_booking as views

urlpatterns = [
    path("candidate/book/", views.book, name="book"),
    path("candidate/book/<int:pk>/", views.book_session, name="book_session"),
    path("candidate/bookings/<str:public_id>/reschedule/", views.booking_reschedule, name="booking_reschedule"),
    path("candidate/bookings/<str:public_id>/cancel/", views.booking_cancel, name="booking_cancel"),
]
