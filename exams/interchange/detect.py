"""Which format a file is in, from its bytes (not its name), and the plan of importing it."""

from django.utils.translation import gettext as _

from exams.interchange.gift import read_gift
from exams.interchange.moodle import read_moodle
from exams.interchange.plan import ImportPlan, plan_resolve
from exams.interchange.qti_read import qti_version, read_qti_item, read_qti_package
from exams.interchange.safety import MAX_UPLOAD_BYTES, SafeZip, UnsafeFile, local_name, parse_xml

QTI_PACKAGE = "qti-package"
QTI_ITEM = "qti-item"
MOODLE = "moodle"
GIFT = "gift"


def detect_format(data: bytes) -> str:
    if data[:4] == b"PK\x03\x04" or data[:4] == b"PK\x05\x06":
        return QTI_PACKAGE
    head = data.lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"<"):
        return "xml"
    return GIFT


def plan_from_file(data: bytes, *, filename: str, keep_status: bool = True) -> ImportPlan:
    """Reads the file into a plan, resolved against this bank. Raises UnsafeFile when the file
    is refused as a whole (DTDs or entities, unsafe archives, unreadable bytes)."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UnsafeFile(_("The file is larger than %(mb)s MB.") % {"mb": MAX_UPLOAD_BYTES // 2**20})
    kind = detect_format(data)
    if kind == QTI_PACKAGE:
        package = SafeZip(data, name=filename)
        plan = ImportPlan(source_name=filename, format=_("QTI content package"))
        read_qti_package(package, plan)
        if not plan.items and not plan.errors:
            plan.warnings.append(_("The package holds no QTI items."))
    elif kind == "xml":
        doc = parse_xml(data, name=filename)
        version = qti_version(doc.root)
        if version:
            plan = ImportPlan(source_name=filename, format=_("QTI %(version)s item") % {"version": version})
            plan.items.append(read_qti_item(doc, label=filename))
        elif local_name(doc.root.tag) == "quiz":
            plan = ImportPlan(source_name=filename, format=_("Moodle XML"))
            read_moodle(doc, plan)
        else:
            raise UnsafeFile(
                _(
                    "%(name)s is XML but neither a QTI item nor Moodle XML (it starts with <%(tag)s>). "
                    "Upload a QTI package (.zip), a QTI item, Moodle XML or GIFT."
                )
                % {"name": filename, "tag": local_name(doc.root.tag)}
            )
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise UnsafeFile(
                _("%(name)s is neither XML nor a zip, and is not UTF-8 text, so it cannot be GIFT (byte %(at)s).")
                % {"name": filename, "at": error.start}
            ) from error
        if "\x00" in text:
            raise UnsafeFile(_("%(name)s is a binary file, not GIFT text.") % {"name": filename})
        plan = ImportPlan(source_name=filename, format=_("GIFT"))
        read_gift(text, plan)
    return plan_resolve(plan, keep_status=keep_status)
