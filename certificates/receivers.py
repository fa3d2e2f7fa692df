"""The certificates app listens to the exam core: a released passing result earns a certificate.

Connected in CertificatesConfig.ready(). The signal is sent inside the transaction that releases
the result, so the pending certificate commits (or rolls back) with it; the work that follows is
queued only once that transaction has committed.
"""

from certificates.services import certificate_create, certificate_enqueue
from exams import hooks


def on_result_released(sender, attempt, **kwargs) -> None:
    certificate = certificate_create(attempt=attempt)
    if certificate is not None and certificate.status == "pending" and certificate.render_attempts == 0:
        certificate_enqueue(certificate)


hooks.result_released.connect(on_result_released, dispatch_uid="certificates.receivers.on_result_released")
