from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo content for a fresh installation. The top floor: it may use every other app."""

    name = "demo"
    verbose_name = _("Demo data")
