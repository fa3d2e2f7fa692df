# Included at "/" by certdesk/urls.py: the DID document and status lists must sit at fixed paths.
from django.urls import path

from certificates import views

app_name = "certificates"

urlpatterns = [
    path(".well-known/did.json", views.did_document, name="did_document"),
    path("status-lists/<str:purpose>", views.status_list, name="status_list"),
    path("certificates/", views.mine, name="mine"),
    path("certificates/register/", views.register, name="register"),
    path("certificates/register/<str:public_id>/", views.detail, name="detail"),
    path("certificates/register/<str:public_id>/<str:name>/", views.action, name="action"),
    path("certificates/issuer/", views.issuer_profile, name="issuer_profile"),
    path("certificates/<str:public_id>/certificate.pdf", views.download_pdf, name="pdf"),
    path("certificates/<str:public_id>/credential.json", views.download_credential, name="credential"),
]
