from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import AcceptInvitationForm, InvitationForm, RolesForm
from accounts.models import AccountEvent, Invitation, User
from accounts.permissions import role_required
from accounts.roles import STAFF_ROLES, Role


def _apply_validation_error(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@role_required(Role.PROGRAM_ADMIN)
def staff(request):
    staff_users = (
        User.objects.filter(groups__name__in=[r.value for r in STAFF_ROLES])
        .distinct()
        .prefetch_related(Prefetch("groups", queryset=Group.objects.order_by("name")))
        .order_by("last_name", "first_name", "username")
    )
    invitations = (
        Invitation.objects.filter(status=Invitation.Status.PENDING)
        .select_related("invited_by")
        .prefetch_related("roles")
    )
    events = AccountEvent.objects.select_related("actor", "subject_user", "invitation")[:20]
    return render(
        request,
        "accounts/staff.html",
        {"staff_users": staff_users, "invitations": invitations, "events": events},
    )


@role_required(Role.PROGRAM_ADMIN)
def staff_invite(request):
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                **form.cleaned_data,
                invited_by=request.user,
                accept_url=lambda inv: request.build_absolute_uri(
                    reverse("accounts:invitation_accept", args=[inv.token])
                ),
            )
        except ValidationError as error:
            _apply_validation_error(form, error)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("accounts:staff")
    return render(request, "accounts/staff_invite.html", {"form": form})


@require_POST
@role_required(Role.PROGRAM_ADMIN)
def invitation_revoke(request, pk: int):
    invitation = get_object_or_404(Invitation, pk=pk)
    try:
        services.invitation_revoke(invitation=invitation, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Invitation to %(email)s revoked.") % {"email": invitation.email})
    return redirect("accounts:staff")


@role_required(Role.PROGRAM_ADMIN)
def staff_roles(request, pk: int):
    person = get_object_or_404(User, pk=pk)
    initial = {"roles": list(person.groups.values_list("name", flat=True))}
    form = RolesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_roles(user=person, roles=form.cleaned_data["roles"], by=request.user)
        except ValidationError as error:
            _apply_validation_error(form, error)
        else:
            name = person.get_full_name() or person.username
            messages.success(request, _("Roles of %(name)s saved.") % {"name": name})
            return redirect("accounts:staff")
    return render(request, "accounts/staff_roles.html", {"form": form, "person": person})


def invitation_accept(request, token: str):
    invitation = Invitation.objects.filter(token=token).prefetch_related("roles").first()
    if invitation is None:
        raise Http404
    if not invitation.is_usable:
        return render(request, "accounts/invitation_invalid.html", {"invitation": invitation}, status=410)
    form = AcceptInvitationForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as error:
            _apply_validation_error(form, error)
        else:
            login(request, user, backend="accounts.backends.UsernameOrEmailBackend")
            messages.success(request, _("Welcome to certdesk, %(name)s.") % {"name": user.first_name or user.username})
            return redirect("home")
    return render(request, "accounts/invitation_accept.html", {"form": form, "invitation": invitation})
