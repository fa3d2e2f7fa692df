from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProctoringConfig(AppConfig):
    name = "proctoring"
    verbose_name = _("Proctoring")

    def ready(self) -> None:
        # The exam core asks these without importing this app: who may start, what holds a result,
        # and where the candidate's integrity events go.
        from exams import hooks
        from proctoring import integrity, services

        for blocker in (services.admission_blocker, services.session_pause_blocker):
            if blocker not in hooks.start_blockers:
                hooks.start_blockers.append(blocker)
        if services.release_blocker not in hooks.release_blockers:
            hooks.release_blockers.append(services.release_blocker)
        if integrity.report not in hooks.integrity_reporters:
            hooks.integrity_reporters.append(integrity.report)
