"""One gate per object kind, so views never repeat who may see what."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.roles import Role
from candidates.models import AccommodationRequest


def accommodation_for_viewer(request, pk: int) -> AccommodationRequest:
    """The candidate who asked, or a program administrator; anyone else gets 404 (not even its existence)."""
    accommodation = get_object_or_404(AccommodationRequest.objects.select_related("candidate"), pk=pk)
    user = request.user
    if accommodation.candidate_id == user.pk or user.has_role(Role.PROGRAM_ADMIN):
        return accommodation
    raise Http404
