"""One entry point for the four export formats, shared by the page and `export_bank`."""

from dataclasses import dataclass

from django.utils import timezone

from exams.interchange.csv_export import export_csv
from exams.interchange.gift import export_gift
from exams.interchange.moodle import export_moodle
from exams.interchange.qti3 import export_qti3_package
from exams.interchange.selectors import items_for_export

FORMATS = {
    # name: (writer, file extension, content type)
    "qti3": (export_qti3_package, "zip", "application/zip"),
    "moodle": (export_moodle, "xml", "application/xml"),
    "gift": (export_gift, "gift.txt", "text/plain; charset=utf-8"),
    "csv": (export_csv, "csv", "text/csv; charset=utf-8"),
}


@dataclass
class BankExport:
    data: bytes
    filename: str
    content_type: str
    count: int
    warnings: list[str]


def bank_export(*, format: str) -> BankExport:
    """Every current, non-retired item version in the given format."""
    writer, extension, content_type = FORMATS[format]
    items = list(items_for_export())
    data, warnings = writer(items)
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    return BankExport(
        data=data,
        filename=f"certdesk-bank-{stamp}.{extension}",
        content_type=content_type,
        count=len(items),
        warnings=warnings,
    )
