"""The certificate as a PDF/A-3b document, rendered by WeasyPrint with the signed credential inside.

One FontConfiguration and one URL fetcher serve every render in a process: building them per
document doubles the render time and, without a shared FontConfiguration, memory grows by over
100 MB per few hundred documents. Workers warm them at start (certificates.tasks).

The fetcher reads only this app's own static and media files from disk: no network, ever. Fonts
are the system's (Debian's DejaVu and Liberation through fontconfig), embedded in the PDF.
"""

import logging
import mimetypes
import threading
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

from certificates.models import Certificate, IssuerProfile

log = logging.getLogger(__name__)
# WeasyPrint reports each layout step at INFO: seven lines per certificate in the worker's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

CREDENTIAL_ATTACHMENT = "credential.json"
STYLESHEET = "certificates/certificate.css"
QR_WIDTH_MM = 30  # ISO/IEC 18004 scanners read this comfortably from paper; the issue asks for 25 at least


def _allowed_roots() -> list[Path]:
    roots = [Path(settings.STATIC_ROOT), Path(settings.MEDIA_ROOT)]
    roots += [Path(entry[1] if isinstance(entry, tuple) else entry) for entry in settings.STATICFILES_DIRS]
    return [root.resolve() for root in roots]


class RefusedFetch(ValueError):
    pass


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalFilesFetcher(URLFetcher):
        """Serves file: URLs inside the static and media folders and data: URLs; refuses the rest."""

        def __init__(self):
            super().__init__(allowed_protocols=("file", "data"), allow_redirects=False, timeout=1)

        def fetch(self, url, headers=None):
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme != "file":
                raise RefusedFetch(f"Certificates fetch no network resources: {url}")
            path = Path(unquote(urlsplit(url).path)).resolve()
            if not any(path.is_relative_to(root) for root in _allowed_roots()):
                raise RefusedFetch(f"Outside the static and media folders: {url}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})

    return LocalFilesFetcher


_lock = threading.RLock()
_shared: dict = {}


def url_fetcher():
    """The process's one URL fetcher."""
    if "fetcher" not in _shared:
        with _lock:
            _shared.setdefault("fetcher", _fetcher_class()())
    return _shared["fetcher"]


def font_config():
    """The process's one FontConfiguration."""
    if "fonts" not in _shared:
        from weasyprint.text.fonts import FontConfiguration

        with _lock:
            _shared.setdefault("fonts", FontConfiguration())
    return _shared["fonts"]


def stylesheet():
    """The certificate's stylesheet, parsed once per process."""
    if "css" not in _shared:
        from weasyprint import CSS

        with _lock:
            if "css" not in _shared:
                _shared["css"] = CSS(
                    url=static_file_url(STYLESHEET), url_fetcher=url_fetcher(), font_config=font_config()
                )
    return _shared["css"]


def static_file_url(path: str) -> str:
    """A file: URL for one of the app's static files (what the fetcher lets through)."""
    found = finders.find(path)
    if not found:
        raise FileNotFoundError(f"No static file {path}")
    return Path(found).resolve().as_uri()


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
    from weasyprint import HTML, Attachment

    fetcher = url_fetcher()
    naive = moment.astimezone(UTC).replace(tzinfo=None)
    attachment = Attachment(
        string=credential_json.encode("utf-8"),
        name=CREDENTIAL_ATTACHMENT,
        description="Signed Open Badges 3.0 credential (W3C Verifiable Credential, eddsa-rdfc-2022)",
        relationship="Data",
        created=naive,
        modified=naive,
        url_fetcher=fetcher,
    )
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(
        font_config=font_config(),
        stylesheets=[stylesheet()] if stylesheets is None else stylesheets,
        pdf_variant="pdf/a-3b",
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
