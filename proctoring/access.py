"""Who may watch and act on a session: its proctor, and any program administrator.

Views pass through role_required(Role.PROCTOR, Role.PROGRAM_ADMIN) first (403 for other roles);
these helpers then give 404 to a proctor of another session, so a session's candidates are not
even confirmed to anyone else. Services check may_proctor again before they write.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import User
from accounts.roles import Role
from exams.models.delivery import Attempt, ExamSession

PROCTOR_ROLES = (Role.PROCTOR, Role.PROGRAM_ADMIN)


def may_proctor(user: User, session: ExamSession) -> bool:
    if not user.is_authenticated:
        return False
    if user.has_role(Role.PROGRAM_ADMIN):
        return True
    return user.has_role(Role.PROCTOR) and session.proctor_id == user.pk


def check_proctor(user: User, session: ExamSession) -> None:
    if not may_proctor(user, session):
        raise PermissionDenied("Only the session's proctor or a program administrator may do this.")


def session_for_proctor(request, pk: int) -> ExamSession:
    session = ExamSession.objects.select_related("program", "proctor").filter(pk=pk).first()
    if session is None or not may_proctor(request.user, session):
        raise Http404
    return session


def attempt_for_proctor(request, public_id: str) -> Attempt:
    attempt = (
        Attempt.objects.select_related("program", "session", "session__program", "candidate", "admission")
        .filter(public_id=public_id)
        .first()
    )
    if attempt is None or not may_proctor(request.user, attempt.session):
        raise Http404
    return attempt
