# The authoring pages of the question bank, under /bank/ in the "exams" namespace.
from django.urls import path

from exams import views_bank as views

urlpatterns = [
    path("", views.bank, name="bank"),
    path("bulk/", views.bank_bulk, name="bank_bulk"),
    path("items/new/", views.item_create_view, name="item_create"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("items/<int:pk>/edit/", views.item_edit_view, name="item_edit"),
    path("items/<int:pk>/versions/<int:version_pk>/transition/", views.item_transition, name="item_transition"),
    path("preview/", views.item_preview, name="item_preview"),
    path("assets/", views.asset_upload, name="asset_upload"),
    path("review/", views.review_queue, name="review_queue"),
]
