"""WeasyPrint, set up once per process for every PDF certdesk makes: certificates, proctoring
session reports, candidates' score reports.

One FontConfiguration and one URL fetcher serve every render in a process: building them per
document doubles the render time and, without a shared FontConfiguration, memory grows by over
100 MB per few hundred documents. Stylesheets are parsed once per process.

The fetcher reads only the project's own static and media files from disk and data: URLs: no
network, ever. Fonts are the system's (Debian's DejaVu and Liberation through fontconfig),
embedded in the PDF, subset by HarfBuzz (libharfbuzz-subset0; make and the Dockerfile install
it): WeasyPrint's fallback, fontTools, makes a certificate cost five times the CPU.
"""

import logging
import mimetypes
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders

# WeasyPrint reports each layout step at INFO: seven lines per document in a worker's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


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
                raise RefusedFetch(f"PDFs fetch no network resources: {url}")
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


def static_file_url(path: str) -> str:
    """A file: URL for one of the project's static files (what the fetcher lets through)."""
    found = finders.find(path)
    if not found:
        raise FileNotFoundError(f"No static file {path}")
    return Path(found).resolve().as_uri()


def stylesheet(path: str):
    """The static stylesheet at `path`, parsed once per process."""
    key = ("css", path)
    if key not in _shared:
        from weasyprint import CSS

        with _lock:
            if key not in _shared:
                _shared[key] = CSS(url=static_file_url(path), url_fetcher=url_fetcher(), font_config=font_config())
    return _shared[key]


def html_to_pdf(
    html: str, *, stylesheets=(), base_url: str | None = None, pdf_variant: str | None = "pdf/a-3b", attachments=()
) -> bytes:
    """The PDF for an HTML document, archivable (PDF/A-3b) unless pdf_variant says otherwise."""
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url, url_fetcher=url_fetcher()).write_pdf(
        font_config=font_config(),
        stylesheets=list(stylesheets),
        pdf_variant=pdf_variant,
        attachments=list(attachments),
    )
