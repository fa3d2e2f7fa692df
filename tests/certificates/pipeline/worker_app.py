"""The Celery app for the worker-kill test: certdesk's own, with two test-only changes.

- a short broker visibility timeout, so a message whose worker was killed is redelivered in
  seconds rather than the hour Redis waits by default;
- when CERTPIPE_GATE names a file, rendering announces itself (<gate>.entered) and then waits for
  that file, so the test can kill the worker while it renders.
"""

import os
import time
from pathlib import Path

from celery.signals import worker_ready
from django.conf import settings

from certdesk.celery import app

app.conf.broker_transport_options = {"visibility_timeout": int(os.environ.get("CERTPIPE_VISIBILITY", "3"))}
settings.CERTIFICATE_CLAIM_SECONDS = int(os.environ.get("CERTPIPE_CLAIM_SECONDS", "3"))


@worker_ready.connect
def _hold_rendering(**kwargs):
    gate = os.environ.get("CERTPIPE_GATE")
    if not gate:
        return
    from certificates import rendering

    original = rendering.certificate_pdf

    def held(certificate):
        Path(f"{gate}.entered").write_text(str(os.getpid()))
        while not Path(gate).exists():
            time.sleep(0.05)
        return original(certificate)

    rendering.certificate_pdf = held


__all__ = ["app"]
