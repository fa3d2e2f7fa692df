"""Settings for the exam_day benchmark's gunicorn only: the product's, with a bench-only URLconf.

The URLconf adds the baseline view (bench/_exam_day_urls.py) to the product's URLs; it is never
part of the product. Static files are served by name (no collectstatic manifest to build first):
the benchmark measures the exam's requests, not static URLs. The leading underscore keeps
`make bench` from running this module as a benchmark.
"""

from certdesk.settings import *  # noqa: F403

ROOT_URLCONF = "_exam_day_urls"
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
