"""Admission: in a proctored session only a candidate the proctor admitted after an identity check starts."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from exams import live
from exams.models.delivery import Attempt, AttemptStatus
from proctoring import services
from proctoring.models import Admission
from tests.proctoring.conftest import admit, check_in, start

A = AttemptStatus


def test_a_checked_in_candidate_cannot_start_until_the_proctor_admits_them(booked, candidate_client, proctor):
    attempt = check_in(candidate_client, booked)
    refused = candidate_client.post(reverse("candidates:exam_start", args=[attempt.public_id]))
    assert refused.status_code == 400
    assert "has not admitted you yet" in refused.content.decode()
    # As the start page's script asks: the reason as JSON.
    refused = candidate_client.post(
        reverse("candidates:exam_start", args=[attempt.public_id]), HTTP_ACCEPT="application/json"
    )
    assert refused.status_code == 400 and "has not admitted you yet" in " ".join(refused.json()["errors"])
    assert Attempt.objects.get(pk=attempt.pk).status == A.CHECKED_IN

    admit(attempt, proctor)
    assert start(candidate_client, attempt).status == A.IN_PROGRESS


def test_the_start_page_waits_for_admission_and_learns_of_it_from_the_live_version(
    booked, candidate_client, proctor, django_capture_on_commit_callbacks
):
    attempt = check_in(candidate_client, booked)
    page = candidate_client.get(reverse("candidates:exam_start", args=[attempt.public_id])).content.decode()
    assert 'data-testid="start-wait"' in page and 'id="btn-start" disabled' in page and "js/exam_start.js" in page
    state_url = reverse("candidates:exam_start_state", args=[attempt.public_id])
    assert candidate_client.get(state_url).json()["can_start"] is False
    before = live.version(attempt.pk)

    with django_capture_on_commit_callbacks(execute=True):
        admit(attempt, proctor)

    assert live.version(attempt.pk) != before
    assert candidate_client.get(state_url).json() == {
        "status": "checked_in",
        "can_start": True,
        "blockers": [],
        "url": reverse("candidates:exam_start", args=[attempt.public_id]),
    }


def test_admission_records_the_identity_check_and_a_late_arrival(booked, candidate_client, proctor):
    attempt = check_in(candidate_client, booked)
    Attempt.objects.filter(pk=attempt.pk).update(checked_in_at=attempt.session.opens_at + timedelta(minutes=25))
    admit(attempt, proctor, id_name="Sofia Marin", id_document_type="national_id", id_number_last4="x9z7")

    admission = Admission.objects.get(attempt=attempt)
    assert (admission.id_name, admission.id_document_type, admission.id_number_last4) == (
        "Sofia Marin",
        "national_id",
        "X9Z7",
    )
    assert admission.admitted_by == proctor and admission.late and admission.minutes_late == 25


def test_an_arrival_within_ten_minutes_of_the_window_opening_is_on_time(booked, candidate_client, proctor):
    attempt = check_in(candidate_client, booked)
    Attempt.objects.filter(pk=attempt.pk).update(checked_in_at=attempt.session.opens_at + timedelta(minutes=9))
    admit(attempt, proctor)
    assert Admission.objects.get(attempt=attempt).minutes_late == 0


@pytest.mark.parametrize(
    "fields, error_field",
    [
        ({"id_name": " "}, "id_name"),
        ({"id_document_type": "library_card"}, "id_document_type"),
        ({"id_number_last4": "123"}, "id_number_last4"),
        ({"id_number_last4": "12-4"}, "id_number_last4"),
    ],
)
def test_a_bad_identity_record_names_the_field_and_admits_nobody(booked, proctor, fields, error_field):
    with pytest.raises(ValidationError) as error:
        admit(booked, proctor, **fields)
    assert error_field in error.value.error_dict
    assert not Admission.objects.exists()


def test_a_candidate_is_admitted_once(booked, proctor):
    admit(booked, proctor)
    with pytest.raises(ValidationError, match="already admitted"):
        admit(booked, proctor)


def test_the_proctor_of_another_session_cannot_admit(booked, other_proctor):
    with pytest.raises(PermissionDenied):
        admit(booked, other_proctor)
    assert not Admission.objects.exists()


def _png() -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (4, 4), "navy").save(buffer, format="PNG")
    return SimpleUploadedFile("check.png", buffer.getvalue(), content_type="image/png")


def test_the_admission_form_keeps_the_photo_privately_for_the_proctor(
    booked, candidate_client, proctor_client, settings, tmp_path
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    attempt = check_in(candidate_client, booked)
    url = reverse("proctoring:admit", args=[attempt.public_id])
    form = proctor_client.get(url).content.decode()
    assert "Sofia Marin" in form and 'name="id_number_last4"' in form

    response = proctor_client.post(
        url,
        {"id_name": "Sofia Marin", "id_document_type": "passport", "id_number_last4": "4321", "photo": _png()},
    )
    assert response.status_code == 302 and response["Location"] == reverse(
        "proctoring:session", args=[booked.session_id]
    )
    admission = Admission.objects.get(attempt=attempt)
    assert admission.photo.name.startswith(f"admissions/{attempt.pk}/")
    assert (tmp_path / admission.photo.name).exists()

    photo_url = reverse("proctoring:admission_photo", args=[attempt.public_id])
    photo = proctor_client.get(photo_url)
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    assert candidate_client.get(photo_url).status_code == 403


def test_the_admission_form_refuses_a_file_that_is_not_an_image(booked, candidate_client, proctor_client):
    attempt = check_in(candidate_client, booked)
    response = proctor_client.post(
        reverse("proctoring:admit", args=[attempt.public_id]),
        {
            "id_name": "Sofia Marin",
            "id_document_type": "passport",
            "id_number_last4": "4321",
            "photo": SimpleUploadedFile("id.png", b"not an image", content_type="image/png"),
        },
    )
    assert response.status_code == 400 and "photo" in response.context["form"].errors
    assert not Admission.objects.exists()


def test_no_shows_are_recorded_by_the_proctor_once_the_window_has_closed(booked, other_candidate, proctor):
    with pytest.raises(ValidationError, match="after the start window closes"):
        services.session_no_shows(session=booked.session, by=proctor)
    later = booked.session.closes_at + timedelta(minutes=1)
    assert services.session_no_shows(session=booked.session, by=proctor, now=later) == 1
    assert Attempt.objects.get(pk=booked.pk).status == A.EXPIRED


def test_a_session_without_a_proctor_needs_no_admission(booked):
    booked.session.proctor = None
    assert services.admission_blocker(booked) is None


def test_nobody_starts_while_the_whole_session_is_paused(booked, candidate_client, proctor):
    attempt = check_in(candidate_client, booked)
    admit(attempt, proctor)
    services.session_pause(session=attempt.session, by=proctor, reason="fire alarm")
    refused = candidate_client.post(reverse("candidates:exam_start", args=[attempt.public_id]))
    assert refused.status_code == 400 and "paused the session" in refused.content.decode()
    services.session_resume(session=attempt.session, by=proctor, reason="all clear")
    assert start(candidate_client, attempt).status == A.IN_PROGRESS


def test_an_unproctored_start_page_does_not_wait(booked, candidate_client):
    booked.session.proctor = None
    booked.session.save(update_fields=["proctor"])
    attempt = check_in(candidate_client, booked)
    page = candidate_client.get(reverse("candidates:exam_start", args=[attempt.public_id])).content.decode()
    assert "start-wait" not in page and "exam_start.js" not in page
