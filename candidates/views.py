from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import role_required
from accounts.roles import Role
from candidates import services
from candidates.access import accommodation_for_viewer
from candidates.forms import (
    AccommodationDecisionForm,
    AccommodationRequestForm,
    ProfileForm,
    RegistrationForm,
    ResendConfirmationForm,
)
from candidates.models import AccommodationRequest, CandidateProfile


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _confirm_url(request):
    return lambda token: request.build_absolute_uri(reverse("candidates:confirm", args=[token]))


def register(request):
    if request.user.is_authenticated:
        return redirect("candidates:dashboard")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.candidate_register(
                email=data["email"],
                legal_name=data["legal_name"],
                time_zone=data["time_zone"],
                password=data["password1"],
                confirm_url=_confirm_url(request),
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            return render(request, "candidates/check_email.html", {"email": data["email"]})
    return render(request, "candidates/register.html", {"form": form})


def confirm(request, token: str):
    try:
        user = services.candidate_confirm_email(token=token)
    except ValidationError as error:
        return render(request, "candidates/confirm_failed.html", {"reason": error.messages[0]}, status=400)
    login(request, user, backend="accounts.backends.UsernameOrEmailBackend")
    messages.success(request, _("Your email is confirmed. Welcome to certdesk."))
    return redirect("candidates:dashboard")


def resend(request):
    form = ResendConfirmationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.candidate_resend_confirmation(email=form.cleaned_data["email"], confirm_url=_confirm_url(request))
        return render(request, "candidates/check_email.html", {"email": form.cleaned_data["email"], "resent": True})
    return render(request, "candidates/resend.html", {"form": form})


@role_required(Role.CANDIDATE)
def dashboard(request):
    profile, _created = CandidateProfile.objects.get_or_create(
        user=request.user, defaults={"legal_name": request.user.get_full_name() or request.user.username}
    )
    accommodations = request.user.accommodation_requests.all()[:5]
    return render(
        request,
        "candidates/dashboard.html",
        {
            "profile": profile,
            "accommodations": accommodations,
            "extra_time": services.approved_extra_time_percent(request.user),
        },
    )


@role_required(Role.CANDIDATE)
def profile(request):
    current, _created = CandidateProfile.objects.get_or_create(
        user=request.user, defaults={"legal_name": request.user.get_full_name() or request.user.username}
    )
    form = ProfileForm(request.POST or None, initial={"legal_name": current.legal_name, "time_zone": current.time_zone})
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("candidates:dashboard")
    return render(request, "candidates/profile.html", {"form": form})


@role_required(Role.CANDIDATE)
def accommodations(request):
    form = AccommodationRequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.accommodation_request(candidate=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Your request is sent. A program administrator will review it."))
            return redirect("candidates:accommodations")
    return render(
        request,
        "candidates/accommodations.html",
        {"form": form, "requests": request.user.accommodation_requests.select_related("decided_by")},
    )


@require_POST
@role_required(Role.CANDIDATE)
def accommodation_withdraw(request, pk: int):
    accommodation = accommodation_for_viewer(request, pk)
    try:
        services.accommodation_decide(request=accommodation, action="withdraw", by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your request is withdrawn."))
    return redirect("candidates:accommodations")


def accommodation_evidence(request, pk: int):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
    accommodation = accommodation_for_viewer(request, pk)
    response = FileResponse(
        accommodation.evidence.open("rb"), as_attachment=True, filename=accommodation.evidence.name.rsplit("/", 1)[-1]
    )
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(Role.PROGRAM_ADMIN)
def accommodation_queue(request):
    pending = (
        AccommodationRequest.objects.filter(status=AccommodationRequest.Status.PENDING)
        .select_related("candidate__candidate_profile")
        .order_by("requested_at")
    )
    decided = AccommodationRequest.objects.exclude(status=AccommodationRequest.Status.PENDING).select_related(
        "candidate__candidate_profile", "decided_by"
    )[:20]
    return render(request, "candidates/accommodation_queue.html", {"pending": pending, "decided": decided})


@role_required(Role.PROGRAM_ADMIN)
def accommodation_decide(request, pk: int):
    accommodation = accommodation_for_viewer(request, pk)
    form = AccommodationDecisionForm(
        request.POST or None, initial={"extra_time_percent": accommodation.extra_time_percent}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.accommodation_decide(
                request=accommodation,
                action=data["action"],
                by=request.user,
                note=data["note"],
                extra_time_percent=data["extra_time_percent"],
                valid_until=data["valid_until"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("candidates:accommodation_queue")
    return render(request, "candidates/accommodation_decide.html", {"form": form, "accommodation": accommodation})
