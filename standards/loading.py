"""Loads standards from their data files: validated first, then written in one transaction.

A file is read whole into plain specs before anything touches the database, so a
bad entry anywhere leaves every table as it was. Writing compares before saving,
so a second run over the same files changes no row.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from django.db import models, transaction

from standards.models import BehaviourStatement, Competency, Domain, InterviewQuestion, Level, Standard

LEVEL_KINDS = {choice.value for choice in Standard.LevelKind}


class StandardFileError(Exception):
    """A data file that cannot be loaded; the message names the file and the entry."""

    def __init__(self, path: Path | str, entry: str, problem: str):
        self.path, self.entry, self.problem = str(path), entry, problem
        where = f"{self.path}: {entry}" if entry else self.path
        super().__init__(f"{where}: {problem}")


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    standards: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


class _Reader:
    """Typed access to one mapping of the file, raising errors that say where."""

    def __init__(self, path: Path, entry: str, data: Any):
        if not isinstance(data, dict):
            raise StandardFileError(path, entry, "expected a mapping of keys to values")
        self.path, self.entry, self.data = path, entry, data

    def error(self, problem: str) -> StandardFileError:
        return StandardFileError(self.path, self.entry, problem)

    def text(self, key: str, *, required: bool = True, max_length: int | None = None) -> str:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.error(f"'{key}' is required")
            return ""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise self.error(f"'{key}' must be text")
        value = str(value).strip()
        if required and not value:
            raise self.error(f"'{key}' must not be empty")
        if max_length and len(value) > max_length:
            raise self.error(f"'{key}' is longer than {max_length} characters")
        return value

    def items(self, key: str) -> list:
        value = self.data.get(key) or []
        if not isinstance(value, list):
            raise self.error(f"'{key}' must be a list")
        return value


def read_standard_file(path: Path) -> dict:
    """Parses and validates one file into a plain dict ready for writing."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise StandardFileError(path, "", f"cannot be read ({error.strerror})") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else ""
        raise StandardFileError(path, where, f"is not valid YAML ({getattr(error, 'problem', error)})") from error
    top = _Reader(path, "", raw)
    code = top.text("code", max_length=16)
    top.entry = f"standard {code}"
    standard = {
        "code": code,
        "name": top.text("name", max_length=200),
        "full_name": top.text("full_name", max_length=300),
        "publisher": top.text("publisher", required=False, max_length=200),
        "source": top.text("source", max_length=300),
        "language": top.text("language", max_length=8),
        "level_kind": top.text("level_kind"),
        "description": top.text("description"),
        "description_original": top.text("description_original", required=False),
        "notes": top.text("notes", required=False),
    }
    if standard["level_kind"] not in LEVEL_KINDS:
        raise top.error(f"'level_kind' must be one of {', '.join(sorted(LEVEL_KINDS))}")

    domains, seen_domains, seen_competencies = [], set(), set()
    total_weight = Decimal(0)
    for d_index, d_raw in enumerate(top.items("domains")):
        d = _Reader(path, f"domains[{d_index}]", d_raw)
        d_code = d.text("code", max_length=16)
        d.entry = f"domains[{d_index}] ({d_code})"
        if d_code in seen_domains:
            raise d.error(f"domain code {d_code} appears twice")
        seen_domains.add(d_code)
        weight = _weight(d)
        total_weight += weight
        competencies = []
        for c_index, c_raw in enumerate(d.items("competencies")):
            c = _Reader(path, f"{d.entry} competencies[{c_index}]", c_raw)
            c_code = c.text("code", max_length=32)
            c.entry = f"{d.entry} competencies[{c_index}] ({c_code})"
            if c_code in seen_competencies:
                raise c.error(f"competency code {c_code} appears twice")
            seen_competencies.add(c_code)
            derived = c.data.get("derived", False)
            if not isinstance(derived, bool):
                raise c.error("'derived' must be true or false")
            derived_from = c.text("derived_from", required=False)
            if derived and not derived_from:
                raise c.error("a derived competency must say what it is derived from ('derived_from')")
            competencies.append(
                {
                    "code": c_code,
                    "title": c.text("title", max_length=300),
                    "description": c.text("description", required=False),
                    "derived": derived,
                    "derived_from": derived_from,
                    "order": c_index,
                }
            )
        if not competencies:
            raise d.error("a domain needs at least one competency")
        domains.append(
            {
                "code": d_code,
                "name": d.text("name", max_length=300),
                "weight": weight,
                "description": d.text("description", required=False),
                "order": d_index,
                "competencies": competencies,
            }
        )
    if not domains:
        raise top.error("a standard needs at least one domain")
    if total_weight != 100:
        raise top.error(f"domain weights sum to {total_weight}, not 100")

    levels, seen_levels = [], set()
    for l_index, l_raw in enumerate(top.items("levels")):
        lv = _Reader(path, f"levels[{l_index}]", l_raw)
        number = lv.data.get("number")
        if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= 9:
            raise lv.error("'number' must be a whole number from 1 to 9")
        lv.entry = f"levels[{l_index}] (level {number})"
        if number in seen_levels:
            raise lv.error(f"level {number} appears twice")
        seen_levels.add(number)
        behaviours = []
        for b_index, b_raw in enumerate(lv.items("behaviours")):
            if not isinstance(b_raw, str) or not b_raw.strip():
                raise StandardFileError(path, f"{lv.entry} behaviours[{b_index}]", "must be non-empty text")
            behaviours.append(b_raw.strip())
        levels.append(
            {
                "number": number,
                "name": lv.text("name", max_length=200),
                "name_original": lv.text("name_original", required=False, max_length=200),
                "essence": lv.text("essence", required=False),
                "essence_original": lv.text("essence_original", required=False),
                "description": lv.text("description", required=False),
                "description_original": lv.text("description_original", required=False),
                "behaviours": behaviours,
            }
        )
    if standard["level_kind"] == Standard.LevelKind.NONE and levels:
        raise top.error("levels are listed but 'level_kind' is none")
    if standard["level_kind"] != Standard.LevelKind.NONE and not levels:
        raise top.error(f"'level_kind' is {standard['level_kind']} but no levels are listed")

    questions = []
    for q_index, q_raw in enumerate(top.items("interview_questions")):
        if not isinstance(q_raw, str) or not q_raw.strip():
            raise StandardFileError(path, f"interview_questions[{q_index}]", "must be non-empty text")
        questions.append(q_raw.strip())

    return {"path": str(path), "standard": standard, "domains": domains, "levels": levels, "questions": questions}


def _weight(d: _Reader) -> Decimal:
    value = d.data.get("weight")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise d.error("'weight' must be a number (percent)")
    try:
        weight = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise d.error("'weight' must be a number (percent)") from None
    if not 0 < weight <= 100:
        raise d.error("'weight' must be more than 0 and at most 100")
    return weight


def _upsert(model: type[models.Model], report: LoadReport, lookup: dict, values: dict) -> models.Model:
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        report.count("created")
        return model.objects.create(**lookup, **values)
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        report.count("updated")
    else:
        report.count("unchanged")
    return obj


def _delete_stale(queryset: models.QuerySet, report: LoadReport) -> None:
    try:
        deleted, _ = queryset.delete()
    except models.ProtectedError as error:
        used = ", ".join(sorted({str(obj) for obj in error.protected_objects})[:3])
        raise StandardFileError(
            queryset.model._meta.verbose_name, "", f"cannot remove entries still in use ({used})"
        ) from error
    report.deleted += deleted


def load_standards(paths: list[Path]) -> LoadReport:
    """Loads every file or none: all are validated before the first write."""
    specs = [read_standard_file(Path(p)) for p in paths]
    codes = [spec["standard"]["code"] for spec in specs]
    duplicates = {code for code in codes if codes.count(code) > 1}
    if duplicates:
        code = sorted(duplicates)[0]
        files = ", ".join(spec["path"] for spec in specs if spec["standard"]["code"] == code)
        raise StandardFileError(files, f"standard {code}", "the same standard is in more than one file")
    all_competencies = [
        (c["code"], path)
        for spec, path in zip(specs, paths, strict=True)
        for d in spec["domains"]
        for c in d["competencies"]
    ]
    seen: dict[str, Path] = {}
    for code, path in all_competencies:
        if code in seen:
            raise StandardFileError(path, f"competency {code}", f"the same code is used in {seen[code]}")
        seen[code] = path

    report = LoadReport()
    with transaction.atomic():
        for spec in specs:
            _write_standard(spec, report)
            report.standards.append(spec["standard"]["code"])
    return report


def _write_standard(spec: dict, report: LoadReport) -> None:
    fields = dict(spec["standard"])
    code = fields.pop("code")
    standard = _upsert(Standard, report, {"code": code}, fields)

    domain_codes = []
    for d in spec["domains"]:
        values = {k: v for k, v in d.items() if k not in ("code", "competencies")}
        domain = _upsert(Domain, report, {"standard": standard, "code": d["code"]}, values)
        domain_codes.append(d["code"])
        for c in d["competencies"]:
            values = {k: v for k, v in c.items() if k != "code"}
            # A competency may move between domains of its standard from one edition to the next.
            existing = Competency.objects.filter(code=c["code"]).select_related("domain").first()
            if existing and existing.domain.standard_id != standard.pk:
                raise StandardFileError(spec["path"], f"competency {c['code']}", "the code belongs to another standard")
            _upsert(Competency, report, {"code": c["code"]}, {"domain": domain, **values})
    # Stale rows go only after every domain is written, so a competency that moved
    # between domains keeps its row (and whatever points at it).
    all_codes = [c["code"] for d in spec["domains"] for c in d["competencies"]]
    _delete_stale(Competency.objects.filter(domain__standard=standard).exclude(code__in=all_codes), report)
    _delete_stale(standard.domains.exclude(code__in=domain_codes), report)

    numbers = []
    for lv in spec["levels"]:
        values = {k: v for k, v in lv.items() if k not in ("number", "behaviours")}
        level = _upsert(Level, report, {"standard": standard, "number": lv["number"]}, values)
        numbers.append(lv["number"])
        for order, text in enumerate(lv["behaviours"], start=1):
            _upsert(BehaviourStatement, report, {"level": level, "order": order}, {"text": text})
        _delete_stale(level.behaviours.filter(order__gt=len(lv["behaviours"])), report)
    _delete_stale(standard.levels.exclude(number__in=numbers), report)

    for order, text in enumerate(spec["questions"], start=1):
        _upsert(InterviewQuestion, report, {"standard": standard, "order": order}, {"text": text})
    _delete_stale(standard.interview_questions.filter(order__gt=len(spec["questions"])), report)


def default_paths(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml")) + sorted(directory.glob("*.json"))
