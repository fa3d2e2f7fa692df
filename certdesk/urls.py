from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from certdesk import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("standards/", include("standards.urls")),
    path("", include("exams.urls")),
    path("", include("candidates.urls")),
    path("", include("certificates.urls")),
    path("proctoring/", include("proctoring.urls")),
    path("", include("verification.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
