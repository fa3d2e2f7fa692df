"""Who sees what: the holder their own certificates, administrators the register and its actions,
everyone the DID document and status lists."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from certificates import services
from certificates.models import Certificate, CertificateStatus, IssuerProfile
from tests.certificates.pipeline.conftest import attempt_take
from tests.conftest import PASSWORD

S = CertificateStatus


@pytest.fixture
def issued(pipeline, exam_program, candidate, program_admin):
    certificate = Certificate.objects.get(attempt=attempt_take(exam_program, candidate, program_admin=program_admin))
    services.certificate_process(certificate_id=certificate.pk)
    return Certificate.objects.get(pk=certificate.pk)


def _as(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


def test_the_holder_lists_and_downloads_their_certificate(client, issued, candidate):
    _as(client, candidate)
    page = client.get("/certificates/")
    assert page.status_code == 200 and issued.number.encode() in page.content
    pdf = client.get(f"/certificates/{issued.public_id}/certificate.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
    credential = client.get(f"/certificates/{issued.public_id}/credential.json")
    assert credential.status_code == 200 and json.loads(credential.content)["proof"]["cryptosuite"] == "eddsa-rdfc-2022"


def test_another_candidate_gets_404_for_someone_elses_files(client, issued, other_candidate):
    _as(client, other_candidate)
    for suffix in ["certificate.pdf", "credential.json"]:
        assert client.get(f"/certificates/{issued.public_id}/{suffix}").status_code == 404
    assert client.get("/certificates/nonexistent-id/certificate.pdf").status_code == 404
    assert issued.number.encode() not in client.get("/certificates/").content


def test_anonymous_visitors_are_sent_to_sign_in(client, issued):
    for url in [
        "/certificates/",
        f"/certificates/{issued.public_id}/certificate.pdf",
        "/certificates/register/",
        f"/certificates/register/{issued.public_id}/",
        "/certificates/issuer/",
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


@pytest.mark.parametrize("persona", ["candidate", "author", "reviewer", "proctor", "outsider"])
def test_only_program_administrators_reach_the_register_and_its_actions(client, issued, personas, persona):
    _as(client, personas[persona])
    assert client.get("/certificates/register/").status_code == 403
    assert client.get(f"/certificates/register/{issued.public_id}/").status_code == 403
    assert client.get("/certificates/issuer/").status_code == 403
    response = client.post(f"/certificates/register/{issued.public_id}/revoke/", {"revoke-reason": "x"})
    assert response.status_code == 403
    assert Certificate.objects.get(pk=issued.pk).status == S.ISSUED


def test_the_administrator_revokes_from_the_register_page(client, issued, program_admin):
    _as(client, program_admin)
    assert client.get(f"/certificates/register/{issued.public_id}/").status_code == 200
    missing = client.post(f"/certificates/register/{issued.public_id}/revoke/", {"revoke-reason": ""})
    assert missing.status_code == 400 and Certificate.objects.get(pk=issued.pk).status == S.ISSUED
    done = client.post(f"/certificates/register/{issued.public_id}/revoke/", {"revoke-reason": "fraud"}, follow=True)
    assert done.status_code == 200 and b"revoked" in done.content
    assert Certificate.objects.get(pk=issued.pk).status == S.REVOKED
    assert client.post(f"/certificates/register/{issued.public_id}/explode/").status_code == 404


def test_the_register_searches_and_exports_csv(client, issued, program_admin, django_assert_max_num_queries):
    _as(client, program_admin)
    with django_assert_max_num_queries(12):
        found = client.get("/certificates/register/", {"q": "marin", "status": "issued", "program": "CSPSP-T"})
    assert issued.number.encode() in found.content
    assert issued.number.encode() not in client.get("/certificates/register/", {"status": "revoked"}).content
    bad = client.get("/certificates/register/", {"issued_from": "2030-01-02", "issued_to": "2030-01-01"})
    assert b"before the start date" in bad.content
    export = client.get("/certificates/register/", {"q": issued.number, "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert [(row["number"], row["holder_name"], row["status"]) for row in rows] == [
        (issued.number, "Sofia Marin", "issued")
    ]


def test_the_administrator_edits_the_issuer_profile_and_new_credentials_use_it(
    client, pipeline, program_admin, exam_program, candidate
):
    _as(client, program_admin)
    logo = io.BytesIO()
    Image.new("RGB", (40, 20), "navy").save(logo, "PNG")
    response = client.post(
        "/certificates/issuer/",
        {
            "name": "Northwind Certification Board",
            "website": "https://northwind.example",
            "contact_email": "certification@northwind.example",
            "signatory_name": "Dr. Amara Okafor",
            "signatory_title": "Head of Certification",
            "accreditation_statement": "Accredited to ISO/IEC 17024.",
            "logo": SimpleUploadedFile("logo.png", logo.getvalue(), content_type="image/png"),
        },
    )
    assert response.status_code == 302
    profile = IssuerProfile.current()
    assert profile.updated_by == program_admin and profile.logo
    certificate = Certificate.objects.get(attempt=attempt_take(exam_program, candidate, program_admin=program_admin))
    services.certificate_process(certificate_id=certificate.pk)
    issuer = Certificate.objects.get(pk=certificate.pk).credential["issuer"]
    assert issuer["name"] == "Northwind Certification Board" and issuer["url"] == "https://northwind.example"
    bad = client.post("/certificates/issuer/", {"name": "", "website": "not a url"})
    assert bad.status_code == 200 and IssuerProfile.current().name == "Northwind Certification Board"


def test_the_did_document_and_status_lists_are_public_and_cacheable(client, pipeline, db):
    did = client.get("/.well-known/did.json")
    assert did.status_code == 200 and did.json()["id"] == "did:web:certdesk.example"
    assert "max-age=3600" in did["Cache-Control"] and "public" in did["Cache-Control"]
    for purpose in ["revocation", "suspension"]:
        listing = client.get(f"/status-lists/{purpose}")
        body = listing.json()
        assert body["id"] == f"https://certdesk.example/status-lists/{purpose}"
        assert body["credentialSubject"]["statusPurpose"] == purpose and "proof" in body
        assert "max-age=60" in listing["Cache-Control"]
    assert client.get("/status-lists/other").status_code == 404


def test_certificate_export_writes_everything_a_verifier_needs(issued, tmp_path):
    call_command("certificate_export", issued.number, "--out", str(tmp_path / "one"))
    names = sorted(path.name for path in (tmp_path / "one").iterdir())
    assert names == sorted(
        [
            f"{issued.number}.pdf",
            f"{issued.number}.credential.json",
            "did.json",
            "status-list-revocation.json",
            "status-list-suspension.json",
        ]
    )
    assert (tmp_path / "one" / f"{issued.number}.pdf").read_bytes().startswith(b"%PDF-")
    call_command("certificate_export", "--all", "--out", str(tmp_path / "all"))
    assert (tmp_path / "all" / f"{issued.number}.credential.json").exists()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("certificate_export", "NOPE-2026-000001", "--out", str(tmp_path / "x"))
    with pytest.raises(CommandError):
        call_command("certificate_export", "--out", str(tmp_path / "x"))
