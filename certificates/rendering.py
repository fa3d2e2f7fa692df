"""The certificate as a PDF/A-3b document, rendered by WeasyPrint with the signed credential inside.

WeasyPrint's process-wide set-up (one FontConfiguration, one local-files URL fetcher, stylesheets
parsed once) is certdesk.pdf's; workers warm it at start (certificates.tasks). Nothing is fetched
from the network; fonts are the system's, embedded in the PDF.
"""

import logging
from datetime import UTC, datetime
from pathlib import Path

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from certdesk import pdf
from certificates.models import Certificate, IssuerProfile

log = logging.getLogger(__name__)

CREDENTIAL_ATTACHMENT = "credential.json"
STYLESHEET = "certificates/certificate.css"
QR_WIDTH_MM = 30  # ISO/IEC 18004 scanners read this comfortably from paper; the issue asks for 25 at least


def stylesheet():
    """The certificate's stylesheet, parsed once per process."""
    return pdf.stylesheet(STYLESHEET)


def _image_url(field) -> str:
    if not field:
        return ""
    try:
        return Path(field.path).resolve().as_uri()
    except (NotImplementedError, ValueError):
        return ""  # a remote storage: the certificate is printed without the image


def qr_svg(url: str) -> str:
    """The QR code as inline SVG; it encodes nothing but the verification URL."""
    return segno.make(url, error="m", micro=False).svg_inline(scale=1, border=0, dark="#111111", omitsize=True)


def certificate_context(certificate: Certificate, credential: dict) -> dict:
    from certificates.services import program_competencies, program_level, verification_url

    profile = IssuerProfile.current()
    competencies = program_competencies(certificate.program)
    shown = competencies[:18]
    per_column = max(1, -(-len(shown) // 3))  # three columns, filled top to bottom
    verify_url = verification_url(certificate)
    return {
        "certificate": certificate,
        "program": certificate.program,
        "standard": certificate.program.standard,
        "level": program_level(certificate.program),
        "issuer": profile,
        "logo_url": _image_url(profile.logo),
        "signature_url": _image_url(profile.signature),
        "competencies": shown,
        "competency_columns": [shown[n * per_column : (n + 1) * per_column] for n in range(3)],
        "more_competencies": max(0, len(competencies) - 18),
        "verify_url": verify_url,
        "verify_display": verify_url.split("://", 1)[-1],
        "qr_svg": qr_svg(verify_url),
        "qr_width_mm": QR_WIDTH_MM,
        "key_id": credential.get("proof", {}).get("verificationMethod", ""),
    }


def certificate_html(certificate: Certificate, credential: dict) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string("certificates/pdf/certificate.html", certificate_context(certificate, credential))


def pdf_from_html(
    html: str, *, credential_json: str, moment: datetime, base_url: str | None = None, stylesheets=None
) -> bytes:
    """The PDF/A-3b bytes for the HTML, with credential.json attached.

    `moment` dates the attachment, so re-rendering a certificate gives the same attachment."""
    from weasyprint import Attachment

    naive = moment.astimezone(UTC).replace(tzinfo=None)
    attachment = Attachment(
        string=credential_json.encode("utf-8"),
        name=CREDENTIAL_ATTACHMENT,
        description="Signed Open Badges 3.0 credential (W3C Verifiable Credential, eddsa-rdfc-2022)",
        relationship="Data",
        created=naive,
        modified=naive,
        url_fetcher=pdf.url_fetcher(),
    )
    return pdf.html_to_pdf(
        html,
        base_url=base_url,
        stylesheets=[stylesheet()] if stylesheets is None else stylesheets,
        attachments=[attachment],
    )


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate's PDF, rendered from the credential stored at signing."""
    if not certificate.credential_json:
        raise ValueError("Sign the certificate before rendering it.")
    html = certificate_html(certificate, certificate.credential)
    return pdf_from_html(
        html, credential_json=certificate.credential_json, moment=certificate.signed_at or certificate.created_at
    )


_WARM_HTML = """<!doctype html><html><head><meta charset="utf-8"><title>warm</title>
<style>@page { size: A4 landscape; margin: 0 } body { font-family: "Liberation Serif", "DejaVu Serif", serif }
.s { font-family: "DejaVu Sans", sans-serif }</style></head>
<body><h1>Certificate</h1><p class="s">Warm-up <b>bold</b> <i>italic</i></p></body></html>"""


def rendering_warm() -> float:
    """Loads WeasyPrint, Pango, fontconfig and the fonts a certificate uses; returns the seconds spent."""
    started = datetime.now(UTC)
    try:
        pdf_from_html(_WARM_HTML, credential_json="{}", moment=started, stylesheets=[stylesheet()])
    except Exception:  # a failed warm-up must not stop the worker; the first real render reports it
        log.exception("Warming WeasyPrint failed")
    return (datetime.now(UTC) - started).total_seconds()
