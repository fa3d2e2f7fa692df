"""In Chromium: an employer scans the QR code printed on a certificate, checks the PDF itself, and
sees revocation and expiry at once."""

import shutil
import subprocess
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from certificates import services as certificate_services
from tests.verification.test_pdf_check import pdf_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def qr_code_url(pdf: bytes, folder) -> str:
    """What a phone reads from the printed certificate: the page rendered at 150 dpi, then decoded."""
    for tool in ("pdftoppm", "zbarimg"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: install Debian's poppler-utils and zbar-tools (make test does).")
    (folder / "certificate.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-singlefile", folder / "certificate.pdf", folder / "page"], check=True
    )
    decoded = subprocess.run(
        ["zbarimg", "--raw", "-q", folder / "page.png"], capture_output=True, check=True, text=True
    )
    return decoded.stdout.strip()


def test_an_employer_scans_checks_the_pdf_and_sees_revocation_and_expiry(
    page, live_server, issued, other_issued, program_admin, tmp_path
):
    scanned = qr_code_url(pdf_of(issued), tmp_path)
    assert scanned.startswith("https://certdesk.example/verify/")
    path = urlsplit(scanned).path

    page.goto(live_server.url + path)
    status = page.get_by_test_id("status")
    expect(status).to_have_attribute("data-status", "valid")
    expect(status).to_contain_text("Valid")
    expect(page.get_by_test_id("holder-name")).to_have_text("Sofia Marin")
    expect(page.get_by_test_id("competencies")).to_contain_text("CSPSP-1")

    page.goto(f"{live_server.url}/verify/")
    page.get_by_label("Certificate PDF").set_input_files(str(tmp_path / "certificate.pdf"))
    page.get_by_role("button", name="Check the PDF").click()
    expect(page.get_by_test_id("verdict")).to_have_attribute("data-verdict", "genuine")
    expect(page.get_by_test_id("verdict-text")).to_contain_text("Genuine and current")

    certificate_services.certificate_revoke(certificate=issued, by=program_admin, reason="fraud established")
    page.goto(live_server.url + path)
    expect(status).to_have_attribute("data-status", "revoked")
    expect(status).to_contain_text("Revoked")

    certificate_services.certificates_expire(today=other_issued.expires_on)
    page.goto(f"{live_server.url}/verify/")
    page.get_by_label("Certificate number or verification code").fill(other_issued.number)
    page.get_by_label("Holder's surname").fill("Price")
    page.get_by_role("button", name="Check the certificate").click()
    expect(status).to_have_attribute("data-status", "expired")
    expect(status).to_contain_text("Expired")
    expect(page.get_by_test_id("holder-name")).to_have_text("Jonah Price")
