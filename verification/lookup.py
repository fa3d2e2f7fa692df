"""Reads for the public: which certificate an identifier names, and what may be said about it.

An identifier is either the certificate's public identifier (128 random bits, what the QR code
carries) or its printed number. The public identifier shows the full facts; the number alone
shows only status and program, since numbers run in sequence and can be enumerated; the number
with the holder's surname shows the full facts. Unknown, hidden, unfinished and malformed
identifiers are all the same "not found".
"""

import json
import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import date, datetime
from functools import cache, cached_property

from django.db import connection
from django.db.models import F
from django.utils import timezone

from certificates.credential import issuer_id_of
from certificates.did import issuer_did
from certificates.models import IN_PROGRESS_STATUSES, Certificate, CertificateKind, CertificateStatus, IssuerProfile
from certificates.services import program_level
from exams.models.programs import CertificationProgram
from verification.models import LookupFailure, ShareLink

S = CertificateStatus
PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{22}")
# "<program code>-<year>-<six digits>", as certificates.services._allocate makes them.
NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}-\d{4}-\d{6}")
SHARE_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


class PublicStatus:
    """What a verifier is told; the same four words as any Verifiable Credentials verifier."""

    VALID = "valid"
    EXPIRED = "expired"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    ALL = (VALID, EXPIRED, SUSPENDED, REVOKED)


class Disclosure:
    FULL = "full"  # by public identifier, share link, or number with the right surname
    LIMITED = "limited"  # by number alone: status and program only


@dataclass(frozen=True)
class Competency:
    code: str
    name: str


@dataclass(frozen=True)
class Issuer:
    name: str
    url: str
    did: str


@dataclass(frozen=True)
class PublicFacts:
    """Everything the verification page and API may say about one certificate. Fields that a
    limited disclosure withholds are None; nothing here is private (no email, score or reason)."""

    status: str
    disclosure: str
    certificate_number: str
    program: str
    program_code: str
    standard: str
    level: str
    holder_name: str | None
    issued_on: date | None
    expires_on: date | None
    status_changed_on: date | None
    superseded: bool | None
    competencies: tuple[Competency, ...] | None
    issuer: Issuer | None

    def as_json(self) -> dict:
        data = asdict(self)
        for name in ("issued_on", "expires_on", "status_changed_on"):
            data[name] = data[name].isoformat() if data[name] else None
        if self.competencies is not None:
            data["competencies"] = [asdict(item) for item in self.competencies]
        return data


@dataclass(frozen=True)
class RegisterEntry:
    """The register's row for one certificate, as much as verification reads, in one query.

    Program, standard, level, competencies and issuer are read from the signed credential: they
    are the facts as certified and printed, even if the program was renamed since."""

    pk: int
    public_id: str
    number: str
    holder_name: str
    status: str
    issued_on: date
    expires_on: date
    status_changed_at: datetime | None
    credential_json: str
    program_id: int
    hidden: bool
    replaced_by_kind: str | None

    @cached_property
    def credential(self) -> dict | None:
        return json.loads(self.credential_json) if self.credential_json else None


_ENTRY_FIELDS = {
    "pk": "pk",
    "public_id": "public_id",
    "number": "number",
    "holder_name": "holder_name",
    "status": "status",
    "issued_on": "issued_on",
    "expires_on": "expires_on",
    "status_changed_at": "status_changed_at",
    "credential_json": "credential_json",
    "program_id": "program_id",
    "hidden": "visibility__hidden",
    "replaced_by_kind": "replaced_by__kind",
}


# Stand-ins for the looked-up value while compiling; the query's only parameter is checked to be this.
_PLACEHOLDERS = {"pk": -7_654_321, "public_id": "\x00public_id\x00", "number": "\x00number\x00"}


@cache
def _entry_query(field: str, alias: str, vendor: str) -> tuple[str, dict]:
    """The SQL for an entry by `field` and its column converters, compiled by the ORM once per
    process. Every lookup runs this; building the two-join values() query anew cost about 1 ms of
    CPU each time, eight times what the query itself costs, on a server with two cores."""
    placeholder = _PLACEHOLDERS[field]
    queryset = Certificate.objects.filter(**{field: placeholder}).values_list(*_ENTRY_FIELDS.values())[:1]
    compiler = queryset.query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    if list(params) != [placeholder]:
        raise RuntimeError(f"Unexpected parameters compiling the lookup by {field}: {params!r}")
    return sql, compiler.get_converters([column for column, _sql, _alias in compiler.select])


def register_entry(*, field: str, value) -> RegisterEntry | None:
    """The certificate the public may ask about (field is "public_id", "number" or "pk"), or None:
    unknown, or still in production (the holder does not have it yet)."""
    sql, converters = _entry_query(field, connection.alias, connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [value])
        row = cursor.fetchone()
    if row is None:
        return None
    row = list(row)
    for position, (functions, expression) in converters.items():
        for function in functions:
            row[position] = function(row[position], expression, connection)
    entry = dict(zip(_ENTRY_FIELDS, row, strict=True))
    if entry["status"] in IN_PROGRESS_STATUSES:
        return None
    entry["hidden"] = bool(entry["hidden"])
    return RegisterEntry(**entry)


@dataclass(frozen=True)
class Lookup:
    """The outcome of resolving an identifier: facts to show, or why nothing is shown."""

    facts: PublicFacts | None = None
    failure: str = ""  # a LookupFailure when nothing (or less than asked) is shown
    certificate: RegisterEntry | None = None

    @property
    def found(self) -> bool:
        return self.facts is not None


def public_status(entry: RegisterEntry, *, today: date | None = None) -> str:
    """The status a verifier reads, in the order a status-list verifier reports them.

    A certificate superseded by a reissue (a name change) has its revocation bit set, so the
    document with the old name reads as revoked; one superseded by a renewal stays valid until
    its own expiry, exactly as its credential says."""
    today = today or timezone.localdate()
    reissued = entry.status == S.SUPERSEDED and entry.replaced_by_kind == CertificateKind.REISSUE
    if entry.status == S.REVOKED or reissued:
        return PublicStatus.REVOKED
    if entry.status == S.SUSPENDED and entry.expires_on > today:
        return PublicStatus.SUSPENDED
    if entry.status == S.EXPIRED or entry.expires_on <= today:
        return PublicStatus.EXPIRED
    return PublicStatus.VALID


def _program_facts(entry: RegisterEntry) -> dict:
    credential = entry.credential
    if credential is None:  # revoked before it was ever signed: the register's program as it is now
        program = CertificationProgram.objects.select_related("standard", "level").get(pk=entry.program_id)
        return dict(
            program=program.name,
            program_code=program.code,
            standard=program.standard.full_name or program.standard.name,
            level=program_level(program),
        )
    achievement = credential.get("credentialSubject", {}).get("achievement", {})
    return dict(
        program=achievement.get("name", ""),
        program_code=achievement.get("humanCode", ""),
        standard=achievement.get("fieldOfStudy", ""),
        level=achievement.get("specialization", ""),
    )


def _credential_parts(entry: RegisterEntry) -> tuple[tuple[Competency, ...], Issuer]:
    """What the signed credential says the certification covers and who issued it."""
    credential = entry.credential
    if credential is None:
        profile = IssuerProfile.current()
        return (), Issuer(name=profile.name, url=profile.website, did=issuer_did())
    achievement = credential.get("credentialSubject", {}).get("achievement", {})
    competencies = tuple(
        Competency(code=item.get("targetCode", ""), name=item.get("targetName", ""))
        for item in achievement.get("alignment", [])
        if isinstance(item, dict)
    )
    issuer = credential.get("issuer", {})
    issuer = issuer if isinstance(issuer, dict) else {}
    return competencies, Issuer(name=issuer.get("name", ""), url=issuer.get("url", ""), did=issuer_id_of(credential))


def facts_for(entry: RegisterEntry, *, disclosure: str, today: date | None = None) -> PublicFacts:
    status = public_status(entry, today=today)
    common = dict(status=status, disclosure=disclosure, certificate_number=entry.number, **_program_facts(entry))
    if disclosure == Disclosure.LIMITED:
        return PublicFacts(
            **common,
            holder_name=None,
            issued_on=None,
            expires_on=None,
            status_changed_on=None,
            superseded=None,
            competencies=None,
            issuer=None,
        )
    competencies, issuer = _credential_parts(entry)
    changed = entry.status_changed_at
    return PublicFacts(
        **common,
        holder_name=entry.holder_name,
        issued_on=entry.issued_on,
        expires_on=entry.expires_on,
        status_changed_on=timezone.localdate(changed)
        if changed and status in (PublicStatus.REVOKED, PublicStatus.SUSPENDED)
        else None,
        superseded=entry.status == S.SUPERSEDED,
        competencies=competencies,
        issuer=issuer,
    )


def identifier_kind(identifier: str) -> str:
    """'public_id', 'number', 'either' (a 22-character number) or '' for something malformed."""
    is_public_id = bool(PUBLIC_ID.fullmatch(identifier))
    is_number = len(identifier) <= 40 and bool(NUMBER.fullmatch(identifier))
    if is_public_id and is_number:
        return "either"
    return "public_id" if is_public_id else "number" if is_number else ""


def _normalised_words(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    return re.sub(r"[^\w]+", " ", plain).split()


def surname_matches(holder_name: str, surname: str) -> bool:
    """Whether `surname` is the end of the printed name, word for word, ignoring case and accents.

    "Marin Ortega" and "ortega" both match "Sofia Marin Ortega"; "Sofia" and "Mar" do not."""
    given, name = _normalised_words(surname), _normalised_words(holder_name)
    return bool(given) and len(given) <= len(name) and name[-len(given) :] == given


def certificate_lookup(identifier: str, *, surname: str = "", today: date | None = None) -> Lookup:
    """Resolves what the verification page and API were asked for."""
    identifier = identifier.strip()
    kind = identifier_kind(identifier)
    if not kind:
        return Lookup(failure=LookupFailure.MALFORMED)
    entry, by_number = None, False
    if kind in ("public_id", "either"):
        entry = register_entry(field="public_id", value=identifier)
    if entry is None and kind in ("number", "either"):
        entry, by_number = register_entry(field="number", value=identifier.upper()), True
    if entry is None:
        return Lookup(failure=LookupFailure.UNKNOWN)
    if entry.hidden:
        return Lookup(failure=LookupFailure.HIDDEN, certificate=entry)
    if not by_number or (surname and surname_matches(entry.holder_name, surname)):
        return Lookup(facts=facts_for(entry, disclosure=Disclosure.FULL, today=today), certificate=entry)
    return Lookup(
        facts=facts_for(entry, disclosure=Disclosure.LIMITED, today=today),
        failure=LookupFailure.SURNAME if surname else "",
        certificate=entry,
    )


def share_link_lookup(token: str, *, today: date | None = None) -> Lookup:
    """A holder's share link: the full facts while it is active, hidden certificate or not."""
    if not SHARE_TOKEN.fullmatch(token):
        return Lookup(failure=LookupFailure.MALFORMED)
    now = timezone.now()
    link = ShareLink.objects.filter(token=token).values("pk", "certificate_id", "expires_at", "withdrawn_at").first()
    if link is None:
        return Lookup(failure=LookupFailure.UNKNOWN)
    entry = register_entry(field="pk", value=link["certificate_id"])
    if link["withdrawn_at"] is not None or link["expires_at"] <= now or entry is None:
        return Lookup(failure=LookupFailure.LINK_EXPIRED)
    ShareLink.objects.filter(pk=link["pk"]).update(opened_count=F("opened_count") + 1, last_opened_at=now)
    return Lookup(facts=facts_for(entry, disclosure=Disclosure.FULL, today=today), certificate=entry)


def credential_lookup(identifier: str) -> RegisterEntry | None:
    """The certificate whose signed credential may be downloaded: by public identifier only (the
    credential names the holder), not hidden, and signed."""
    if not PUBLIC_ID.fullmatch(identifier):
        return None
    entry = register_entry(field="public_id", value=identifier)
    if entry is None or entry.hidden or not entry.credential_json:
        return None
    return entry
