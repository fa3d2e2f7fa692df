# Included at "/" by certdesk/urls.py: /verify/<identifier> is what every printed QR code opens.
from django.urls import path

from verification import api, views

app_name = "verification"

urlpatterns = [
    path("verify/", views.home, name="home"),
    path("verify/pdf/", views.pdf, name="pdf"),
    path("verify/api/", views.api_docs, name="api_docs"),
    path("verify/lookups/", views.failed_lookups, name="failed_lookups"),
    path("verify/mine/<str:public_id>/", views.sharing, name="sharing"),
    path("verify/mine/<str:public_id>/visibility/", views.visibility, name="visibility"),
    path("verify/mine/<str:public_id>/links/", views.share_create, name="share_create"),
    path("verify/mine/<str:public_id>/links/<int:pk>/withdraw/", views.share_withdraw, name="share_withdraw"),
    path("verify/shared/<str:token>", views.shared, name="shared"),
    path("verify/<str:identifier>", views.certificate, name="certificate"),
    # Anything else under /verify/ (a trailing slash, a slash inside) is a malformed identifier: the same 404.
    path("verify/<path:identifier>", views.certificate),
    path("api/v1/openapi.json", api.openapi, name="openapi"),
    path("api/v1/verify/shared/<str:token>", api.verify_shared, name="api_verify_shared"),
    path("api/v1/verify/<str:identifier>", api.verify, name="api_verify"),
    path("api/v1/verify/<path:identifier>", api.verify),
    path("api/v1/credentials/<str:identifier>", api.credential, name="api_credential"),
    path("api/v1/credentials/<path:identifier>", api.credential),
]
