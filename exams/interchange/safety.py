"""Opening files from elsewhere without trusting them: XML without DTDs or entities, zips
checked for size, entry count, path traversal and decompression bombs before anything is read."""

import io
import posixpath
import stat
import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from django.utils.translation import gettext as _

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_ZIP_ENTRIES = 5000
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ENTRY_BYTES = 50 * 1024 * 1024
# Real packages compress XML about 5-20 times; a bomb compresses thousands of times.
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_FROM_BYTES = 1024 * 1024


class UnsafeFile(Exception):
    """The file is refused as a whole; nothing in it is read further."""


@dataclass
class XmlDoc:
    root: Element
    name: str
    lines: dict[int, int] = field(default_factory=dict)

    def line(self, element: Element) -> int | None:
        return self.lines.get(id(element))

    def where(self, element: Element, label: str = "") -> str:
        line = self.line(element)
        tag = local_name(element.tag)
        text = f"<{tag}{' ' + label if label else ''}>"
        if line:
            text += " " + _("line %(line)s") % {"line": line}
        if self.name:
            text = f"{self.name}: {text}"
        return text


class _LineTreeBuilder(TreeBuilder):
    """Remembers the line each element starts on, so errors can name it."""

    def __init__(self) -> None:
        super().__init__()
        self.parser: DefusedXMLParser | None = None
        self.lines: dict[int, int] = {}

    def start(self, tag, attrs):
        element = super().start(tag, attrs)
        if self.parser is not None:
            self.lines[id(element)] = self.parser.parser.CurrentLineNumber
        return element


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def parse_xml(data: bytes, *, name: str = "") -> XmlDoc:
    """Parses XML with any DTD, entity declaration or external reference refused."""
    builder = _LineTreeBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    builder.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException as error:
        raise UnsafeFile(
            _(
                "%(name)s declares a DTD or entities (%(kind)s). certdesk refuses such XML in every format, "
                "because entities can read files from the server (XML external entities) or expand without end."
            )
            % {"name": name or _("The file"), "kind": type(error).__name__}
        ) from error
    except ParseError as error:
        raise UnsafeFile(
            _("%(name)s is not well-formed XML: %(error)s") % {"name": name or _("The file"), "error": error}
        ) from error
    return XmlDoc(root=root, name=name, lines=builder.lines)


def _safe_member_name(name: str) -> str | None:
    """The normalised path of a zip entry, or None when it would escape the folder it is unpacked in."""
    if "\\" in name or "\x00" in name:
        return None
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = name.split("/")
    if any(part == ".." for part in parts):
        return None
    return posixpath.normpath(name)


class SafeZip:
    """A zip archive whose entries were all checked before any was read."""

    def __init__(self, data: bytes, *, name: str = "") -> None:
        self.name = name or _("The archive")
        if len(data) > MAX_UPLOAD_BYTES:
            raise UnsafeFile(
                _("%(name)s is larger than %(mb)s MB.") % {"name": self.name, "mb": MAX_UPLOAD_BYTES // 2**20}
            )
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as error:
            raise UnsafeFile(
                _("%(name)s is not a readable zip archive: %(error)s") % {"name": self.name, "error": error}
            ) from error
        if len(infos) > MAX_ZIP_ENTRIES:
            raise UnsafeFile(
                _("%(name)s has %(n)s entries; certdesk reads at most %(max)s.")
                % {"name": self.name, "n": len(infos), "max": MAX_ZIP_ENTRIES}
            )
        self._entries: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in infos:
            path = _safe_member_name(info.filename)
            if path is None:
                raise UnsafeFile(
                    _("%(name)s contains the entry %(entry)s, whose path leaves the package (path traversal).")
                    % {"name": self.name, "entry": repr(info.filename)}
                )
            if stat.S_ISLNK(info.external_attr >> 16):
                raise UnsafeFile(
                    _("%(name)s contains the symbolic link %(entry)s.")
                    % {"name": self.name, "entry": repr(info.filename)}
                )
            if info.flag_bits & 0x1:
                raise UnsafeFile(_("%(name)s contains encrypted entries.") % {"name": self.name})
            if info.is_dir():
                continue
            if info.file_size > MAX_ENTRY_BYTES:
                raise UnsafeFile(
                    _("%(entry)s in %(name)s unpacks to more than %(mb)s MB.")
                    % {"entry": info.filename, "name": self.name, "mb": MAX_ENTRY_BYTES // 2**20}
                )
            if info.file_size > RATIO_CHECK_FROM_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(
                info.compress_size, 1
            ):
                raise UnsafeFile(
                    _("%(entry)s in %(name)s is compressed %(ratio)s times, which only a zip bomb is.")
                    % {"entry": info.filename, "name": self.name, "ratio": info.file_size // max(info.compress_size, 1)}
                )
            total += info.file_size
            if total > MAX_UNPACKED_BYTES:
                raise UnsafeFile(
                    _("%(name)s unpacks to more than %(mb)s MB (a zip bomb or far too large).")
                    % {"name": self.name, "mb": MAX_UNPACKED_BYTES // 2**20}
                )
            self._entries[path] = info

    def names(self) -> list[str]:
        return list(self._entries)

    def has(self, path: str) -> bool:
        return self.normalise(path) in self._entries

    @staticmethod
    def normalise(path: str) -> str:
        return posixpath.normpath(path)

    def read(self, path: str) -> bytes:
        info = self._entries[self.normalise(path)]
        # The declared size was checked above; zipfile never returns more than it declares.
        with self._zip.open(info) as handle:
            data = handle.read(info.file_size + 1)
        if len(data) > info.file_size:
            raise UnsafeFile(
                _("%(entry)s in %(name)s is larger than it declares.") % {"entry": path, "name": self.name}
            )
        return data
