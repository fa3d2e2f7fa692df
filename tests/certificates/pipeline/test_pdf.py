"""The PDF as a verifier receives it: PDF/A-3b, readable text, a QR code for the verification page,
and the signed credential inside it."""

import io
import json
import shutil
import subprocess

import pytest
from PIL import Image
from pypdf import PdfReader

from certdesk.pdf import static_file_url, url_fetcher
from certificates import rendering, services
from certificates.credential import credential_verify
from certificates.models import Certificate
from certificates.status_list import StatusPurpose
from tests.certificates.pipeline.conftest import attempt_take

DPI = 150


@pytest.fixture
def issued(pipeline, exam_program, candidate, program_admin):
    certificate = Certificate.objects.get(attempt=attempt_take(exam_program, candidate, program_admin=program_admin))
    services.certificate_process(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    with certificate.pdf.open("rb") as handle:
        return certificate, handle.read()


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: install Debian's poppler-utils and zbar-tools (make test does).")
    return path


def _png(pdf: bytes, tmp_path) -> Image.Image:
    (tmp_path / "c.pdf").write_bytes(pdf)
    subprocess.run(
        [_tool("pdftoppm"), "-png", "-r", str(DPI), "-singlefile", tmp_path / "c.pdf", tmp_path / "page"], check=True
    )
    return Image.open(tmp_path / "page.png")


def test_the_pdf_is_pdf_a_3b_with_metadata_and_an_output_intent(issued):
    _certificate, pdf = issued
    reader = PdfReader(io.BytesIO(pdf))
    xmp = reader.xmp_metadata.stream.get_data().decode("utf-8")
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    (intent,) = reader.trailer["/Root"]["/OutputIntents"]
    assert intent["/S"] == "/GTS_PDFA1" and intent["/DestOutputProfile"].get_object().get_data()
    # PDF/A-3 wants embedded files tied to the document with a relationship.
    specs = [item.get_object() for item in reader.trailer["/Root"]["/AF"]]
    assert specs and all(spec["/AFRelationship"] == "/Data" and spec["/F"] == "credential.json" for spec in specs)
    assert list(reader.attachments) == ["credential.json"]


def test_fonts_are_subset_by_harfbuzz_not_fonttools(issued, caplog):
    """Without Debian's libharfbuzz-subset0 (make installs it) WeasyPrint subsets the embedded fonts
    with fontTools, saying so: a certificate then costs 0.41 s of CPU instead of 0.08 s, and on an
    exam day the worker rendering passes takes that from the candidates' answers."""
    fallbacks = [r.getMessage() for r in caplog.get_records("setup") if "fontTools" in r.getMessage()]
    assert not fallbacks, "install libharfbuzz-subset0: " + fallbacks[0]
    from weasyprint.text.ffi import harfbuzz_subset

    assert harfbuzz_subset is not None


def test_the_pdf_is_landscape_a4(issued):
    _certificate, pdf = issued
    (page,) = PdfReader(io.BytesIO(pdf)).pages
    width_mm, height_mm = (float(value) / 72 * 25.4 for value in (page.mediabox.width, page.mediabox.height))
    assert round(width_mm) == 297 and round(height_mm) == 210


def test_the_text_names_the_holder_number_program_and_dates(issued, tmp_path):
    certificate, pdf = issued
    (tmp_path / "c.pdf").write_bytes(pdf)
    text = subprocess.run([_tool("pdftotext"), tmp_path / "c.pdf", "-"], capture_output=True, check=True, text=True)
    assert "Sofia Marin" in text.stdout
    assert certificate.number in text.stdout
    assert "Policies and procedures specialist" in text.stdout
    assert certificate.expires_on.strftime("%B %Y") in text.stdout


def test_the_qr_code_encodes_only_the_verification_url_and_is_at_least_25_mm_wide(issued, tmp_path):
    certificate, pdf = issued
    image = _png(pdf, tmp_path)
    decoded = subprocess.run(
        [_tool("zbarimg"), "--raw", "-q", tmp_path / "page.png"], capture_output=True, check=True, text=True
    )
    assert decoded.stdout.strip() == f"https://certdesk.example/verify/{certificate.public_id}"

    # The QR code is the only dark object in the lower right; its top row spans both finder patterns.
    gray = image.convert("L")
    width, height = gray.size
    box = (int(width * 0.66), int(height * 0.55), int(width * 0.95), int(height * 0.93))
    region = gray.crop(box)
    pixels = region.load()
    for y in range(region.size[1]):
        dark = [x for x in range(region.size[0]) if pixels[x, y] < 80]
        if dark:
            qr_mm = (dark[-1] - dark[0] + 1) / DPI * 25.4
            break
    else:
        pytest.fail("No QR code in the lower right of the certificate.")
    assert qr_mm >= 25


def test_the_embedded_credential_is_the_signed_one_and_verifies(issued, client):
    certificate, pdf = issued
    attachment = PdfReader(io.BytesIO(pdf)).attachments["credential.json"][0]
    assert attachment.decode("utf-8") == certificate.credential_json
    credential = json.loads(attachment)
    lists = [client.get(f"/status-lists/{purpose}").json() for purpose in StatusPurpose.ALL]
    check = credential_verify(credential, status_lists=lists)
    assert check.valid, check.reasons
    assert sorted(check.statuses_checked) == ["revocation", "suspension"]
    assert credential["credentialSubject"]["name"] == "Sofia Marin"
    assert credential["issuer"]["id"] == "did:web:certdesk.example"


def test_rendering_again_gives_the_same_attachment(issued):
    certificate, pdf = issued
    again = rendering.certificate_pdf(certificate)
    first, second = (PdfReader(io.BytesIO(data)).attachments["credential.json"][0] for data in (pdf, again))
    assert first == second


def test_the_url_fetcher_refuses_the_network_and_files_outside_static_and_media(pipeline, tmp_path):
    fetcher = url_fetcher()
    for url in ["https://example.org/logo.png", "http://127.0.0.1:8000/static/x.css", "ftp://example.org/a"]:
        with pytest.raises(ValueError):
            fetcher(url)
    (tmp_path / "secret.txt").write_text("no")
    with pytest.raises(ValueError, match="Outside"):
        fetcher((tmp_path / "secret.txt").as_uri())
    with pytest.raises(ValueError, match="Outside"):
        fetcher("file:///etc/passwd")
    allowed = fetcher(static_file_url(rendering.STYLESHEET))
    assert allowed.content_type == "text/css" and b"@page" in allowed.read()


def test_the_issuer_profile_is_printed(issued, tmp_path):
    from certificates.models import IssuerProfile

    certificate, _pdf = issued
    profile = IssuerProfile.current()
    profile.name = "Northwind Certification Board"
    profile.signatory_name = "Dr. Amara Okafor"
    profile.signatory_title = "Head of Certification"
    profile.accreditation_statement = "Accredited to ISO/IEC 17024 by the National Accreditation Service."
    profile.save()
    html = rendering.certificate_html(certificate, certificate.credential)
    for text in [profile.name, profile.signatory_name, profile.signatory_title, "ISO/IEC 17024"]:
        assert text in html
