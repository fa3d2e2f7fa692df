from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CandidatesConfig(AppConfig):
    name = "candidates"
    verbose_name = _("Candidates")

    def ready(self) -> None:
        # The exam core copies the legal name at submission without importing this app.
        from exams import hooks

        def legal_name(user) -> str:
            profile = getattr(user, "candidate_profile", None)
            return profile.legal_name if profile else (user.get_full_name() or user.get_username())

        hooks.legal_name_provider.append(legal_name)
        from candidates import booking_emails  # noqa: F401  (emails candidates whose session is cancelled)
