import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from candidates.models import AccommodationRequest
from candidates.services import accommodation_decide, approved_extra_time_percent

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def _evidence(content=PDF, name="letter.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def _ask(client, candidate, **overrides):
    client.force_login(candidate)
    data = {
        "extra_time_percent": "25",
        "other_arrangements": "",
        "reason": "Dyslexia assessment, 2024.",
        "evidence": _evidence(),
    }
    data.update(overrides)
    return client.post("/candidate/accommodations/", data)


def test_a_candidate_asks_for_extra_time_with_evidence(client, candidate):
    response = _ask(client, candidate)
    assert response.status_code == 302
    request = AccommodationRequest.objects.get()
    assert request.status == "pending" and request.extra_time_percent == 25
    assert request.evidence.read() == PDF


def test_evidence_that_is_not_a_document_is_refused(client, candidate):
    response = _ask(client, candidate, evidence=_evidence(b"MZ\x90\x00 not a pdf", "x.pdf"))
    assert "evidence" in response.context["form"].errors
    assert not AccommodationRequest.objects.exists()


def test_an_administrator_approves_and_the_clock_gets_the_extra_time(client, candidate, program_admin):
    _ask(client, candidate)
    request = AccommodationRequest.objects.get()
    client.force_login(program_admin)
    response = client.post(
        f"/accommodations/review/{request.pk}/",
        {"action": "approve", "extra_time_percent": "50", "valid_until": "", "note": "Report reviewed."},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "approved" and request.decided_by == program_admin
    assert approved_extra_time_percent(candidate) == 50
    assert list(request.events.values_list("to_status", flat=True)) == ["pending", "approved"]


def test_rejecting_needs_a_note(client, candidate, program_admin):
    _ask(client, candidate)
    request = AccommodationRequest.objects.get()
    client.force_login(program_admin)
    response = client.post(f"/accommodations/review/{request.pk}/", {"action": "reject", "extra_time_percent": "25"})
    assert "note" in response.context["form"].errors
    request.refresh_from_db()
    assert request.status == "pending"


def test_nobody_decides_their_own_request(candidate, program_admin):
    request = AccommodationRequest.objects.create(
        candidate=program_admin, extra_time_percent=25, reason="x", evidence=_evidence()
    )
    with pytest.raises(PermissionDenied):
        accommodation_decide(request=request, action="approve", by=program_admin)
    with pytest.raises(PermissionDenied):
        accommodation_decide(request=request, action="approve", by=candidate)


def test_a_decided_request_cannot_be_decided_again(client, candidate, program_admin):
    _ask(client, candidate)
    request = AccommodationRequest.objects.get()
    accommodation_decide(request=request, action="approve", by=program_admin)
    with pytest.raises(ValidationError, match="already"):
        accommodation_decide(request=request, action="reject", by=program_admin, note="no")


def test_evidence_is_private_to_the_candidate_and_administrators(
    client, candidate, other_candidate, proctor, program_admin
):
    _ask(client, candidate)
    url = f"/accommodations/{AccommodationRequest.objects.get().pk}/evidence/"
    assert client.get(url).status_code == 200
    for person in (other_candidate, proctor):
        client.force_login(person)
        assert client.get(url).status_code == 404
    client.force_login(program_admin)
    response = client.get(url)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    client.logout()
    assert client.get(url).status_code == 302


def test_only_administrators_open_the_review_queue(client, personas):
    for name in ("candidate", "author", "reviewer", "proctor", "outsider"):
        client.force_login(personas[name])
        assert client.get("/accommodations/review/").status_code == 403, name


def test_a_candidate_withdraws_a_pending_request(client, candidate):
    _ask(client, candidate)
    request = AccommodationRequest.objects.get()
    assert client.post(f"/candidate/accommodations/{request.pk}/withdraw/").status_code == 302
    request.refresh_from_db()
    assert request.status == "withdrawn"
    assert approved_extra_time_percent(candidate) == 0
