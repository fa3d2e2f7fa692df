from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Certificates")

    def ready(self) -> None:
        from certificates import (
            checks,  # noqa: F401  (registers the signing key checks)
            receivers,  # noqa: F401  (a released passing result earns a certificate)
        )
