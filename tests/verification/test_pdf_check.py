"""The PDF upload: a genuine certificate passes; a swapped attachment, altered print or tampered
credential does not."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader, PdfWriter

from certificates import rendering
from certificates import services as certificate_services
from verification.documents import pdf_contents, printed_mismatches
from verification.models import FailedLookup
from verification.pdf_check import Verdict, pdf_check


def pdf_of(certificate) -> bytes:
    with certificate.pdf.open("rb") as handle:
        return handle.read()


def with_attachment(pdf: bytes, credential_json: str) -> bytes:
    """The same printed page with another credential.json attached in place of the original."""
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        writer.add_page(page)
    writer.add_attachment("credential.json", credential_json.encode("utf-8"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _upload(client, data: bytes, name: str = "certificate.pdf"):
    return client.post("/verify/pdf/", {"document": SimpleUploadedFile(name, data, "application/pdf")})


def test_the_genuine_pdf_is_genuine_and_current(client, issued):
    result = pdf_check(pdf_of(issued))
    assert (result.verdict, result.status, result.current) == (Verdict.GENUINE, "valid", True), result.reasons
    page = _upload(client, pdf_of(issued))
    assert page.status_code == 200 and b'data-verdict="genuine"' in page.content
    assert b"Genuine and current" in page.content and b'data-status="valid"' in page.content


def test_a_pdf_with_another_holders_credential_attached_does_not_match(client, issued, other_issued):
    swapped = with_attachment(pdf_of(issued), other_issued.credential_json)
    assert pdf_contents(swapped).credential["credentialSubject"]["name"] == "Jonah Price"
    result = pdf_check(swapped)
    assert result.verdict == Verdict.MISMATCH
    assert any("name" in reason for reason in result.reasons) and any("number" in reason for reason in result.reasons)
    page = _upload(client, swapped)
    assert b'data-verdict="mismatch"' in page.content and b"Does not match" in page.content
    assert FailedLookup.objects.get().identifier == other_issued.number


def test_a_pdf_whose_printed_name_was_changed_but_attachment_kept_does_not_match(issued):
    issued.holder_name = "Sofia Marino"  # what the forger typed; the credential inside still says Sofia Marin
    html = rendering.certificate_html(issued, json.loads(issued.credential_json))
    altered = rendering.pdf_from_html(html, credential_json=issued.credential_json, moment=issued.signed_at)
    result = pdf_check(altered)
    assert result.verdict == Verdict.MISMATCH
    assert result.reasons == ["The printed holder's name is not the one in the signed credential."]


def test_a_tampered_credential_is_not_genuine(issued):
    credential = json.loads(issued.credential_json)
    credential["validUntil"] = "2099-01-01T00:00:00Z"
    result = pdf_check(with_attachment(pdf_of(issued), json.dumps(credential)))
    assert result.verdict == Verdict.NOT_GENUINE and "signature" in " ".join(result.reasons).lower()


def test_a_revoked_certificate_pdf_is_genuine_but_not_current(client, issued, program_admin):
    certificate_services.certificate_revoke(certificate=issued, by=program_admin, reason="fraud")
    result = pdf_check(pdf_of(issued))
    assert (result.verdict, result.status, result.current) == (Verdict.GENUINE, "revoked", False)
    assert b'data-status="revoked"' in _upload(client, pdf_of(issued)).content


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"hello, not a pdf", "not a PDF"),
        (b"%PDF-1.7\n garbage", "cannot be read"),
    ],
)
def test_files_that_are_not_certificates_are_refused_with_a_reason(client, db, pipeline, data, message):
    result = pdf_check(data)
    assert result.verdict == Verdict.UNREADABLE and message in result.reasons[0]
    page = _upload(client, data)
    assert page.status_code == 200 and message.encode() in page.content


def test_a_pdf_without_a_credential_is_refused(issued):
    bare = PdfWriter()
    bare.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    bare.write(out)
    assert "no signed credential" in pdf_check(out.getvalue()).reasons[0]


def test_an_upload_without_a_file_is_an_error_on_the_field(client, db, pipeline):
    page = client.post("/verify/pdf/", {})
    assert page.status_code == 400 and b"This field is required" in page.content


def test_every_printed_place_must_agree(issued):
    printed = pdf_contents(pdf_of(issued)).printed
    expected = dict(holder_name="Sofia Marin", number=issued.number, expires_on=issued.expires_on)
    assert printed_mismatches(printed, issued_on=issued.issued_on, **expected) == []
    doubled = printed.replace(f"Certificate no. {issued.number}", "Certificate no. CSPSP-T-2026-999999")
    assert len(printed_mismatches(doubled, issued_on=issued.issued_on, **expected)) == 1
