"""Who may see a certificate's files: its holder, and program administrators. Everyone else gets
the same 404 as for a certificate that does not exist."""

from django.http import Http404

from accounts.roles import Role
from certificates.models import Certificate


def certificate_for_viewer(request, public_id: str) -> Certificate:
    certificate = (
        Certificate.objects.select_related("program", "holder").filter(public_id=public_id).first()
        if request.user.is_authenticated
        else None
    )
    if certificate is None:
        raise Http404
    if certificate.holder_id == request.user.pk or request.user.has_role(Role.PROGRAM_ADMIN):
        return certificate
    raise Http404
