# Each area of the exams app keeps its own URL module; they share the "exams" namespace.
from django.urls import include, path

app_name = "exams"

urlpatterns = [
    path("bank/", include("exams.bank_urls")),
    path("bank/interchange/", include("exams.interchange_urls")),
    path("programs/", include("exams.program_urls")),
    path("sessions/", include("exams.session_urls")),
]
