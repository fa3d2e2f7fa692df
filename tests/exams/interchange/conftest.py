"""Fixtures for the interchange tests: the real files other tools wrote (read in place from
../shared/interop/, never copied), small banks built through the bank services, and the demo
bank exported once per module."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

from accounts.roles import Role
from exams.bank import ItemContent, ItemTags, OptionData, item_create
from exams.interchange.selectors import items_for_export
from exams.models.bank import VersionStatus
from standards.models import Competency
from tests.conftest import make_user

INTEROP = Path(__file__).resolve().parents[3] / ".." / "shared" / "interop"


@pytest.fixture
def interop():
    """The folder of real interchange files; tests skip when it is absent (their licences keep them out of the repo)."""
    if not INTEROP.is_dir():
        pytest.skip(f"The interop files are not here ({INTEROP.resolve()}); they live beside the repo, not in it.")
    return INTEROP


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


def bank_snapshot() -> dict[str, dict]:
    """Every exported item, field by field, keyed by reference."""
    snapshot = {}
    for item in items_for_export():
        version = item.current_version
        snapshot[item.ref] = {
            "status": version.status,
            "type": version.type,
            "scoring": version.scoring,
            "stem": version.stem,
            "rationale": version.rationale,
            "options": [(o.position, o.text, o.is_correct, o.feedback, o.identifier) for o in version.options.all()],
            "competency": item.competency.code if item.competency else None,
            "level": (item.level.standard.code, item.level.number) if item.level else None,
            "difficulty": item.difficulty,
            "enemy_group": item.enemy_group,
            "tags": sorted(t.name for t in item.tags.all()),
        }
    return snapshot


def zip_bytes(entries: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def demo_bank_exports(django_db_setup, django_db_blocker):
    """The whole demo bank, loaded once, exported to every format; nothing stays in the database."""
    from demo.bank import demo_bank_load
    from exams.interchange.export import bank_export

    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_standards", verbosity=0)
        authors = [make_user("demoauthor", Role.AUTHOR), make_user("demoauthor2", Role.AUTHOR)]
        reviewer = make_user("demoreviewer", Role.REVIEWER)
        demo_bank_load(authors=authors, reviewer=reviewer)
        exports = {name: bank_export(format=name) for name in ("qti3", "moodle", "gift", "csv")}
        snapshot = bank_snapshot()
        transaction.set_rollback(True)
    return exports, snapshot


@pytest.fixture
def small_bank(standards_loaded, author):
    """Four items, one per type, tagged, approved or draft, with an enemy group and free tags."""
    competencies = list(Competency.objects.select_related("domain__standard").order_by("code")[:2])

    def make(ref, content, status, competency=None, **tags):
        return item_create(
            content=content,
            tags=ItemTags(competency=competency, **tags),
            by=author,
            ref=ref,
            status=status,
        )

    return [
        make(
            "T-SINGLE",
            ItemContent(
                type="single",
                stem="<p>Which <strong>channel</strong> answers fastest?</p><ul><li>a</li><li>b</li></ul>",
                options=[
                    OptionData("Chat", True, "Right: live."),
                    OptionData("Email", False, "Slower."),
                    OptionData("Letter", False, "Slowest."),
                ],
                rationale="Chat is synchronous.",
            ),
            VersionStatus.APPROVED,
            competencies[0],
            difficulty=2,
            enemy_group="channels",
            tags=["first", "second/level"],
        ),
        make(
            "T-MULTI",
            ItemContent(
                type="multiple",
                stem="<p>Which are <em>service levels</em>? Use x &lt; y &amp; z.</p>",
                scoring="partial",
                options=[
                    OptionData("Response time", True),
                    OptionData("Resolution time", True),
                    OptionData("Logo colour", False, "Not measured."),
                ],
            ),
            VersionStatus.APPROVED,
            competencies[1],
            difficulty=3,
        ),
        make(
            "T-TF",
            ItemContent(
                type="truefalse",
                stem="<p>Escalation always means a manager takes over.</p>",
                options=[OptionData("True", False, "No."), OptionData("False", True, "Yes.")],
                rationale="Functional escalation goes sideways.",
            ),
            VersionStatus.DRAFT,
        ),
        make(
            "T-ORDER",
            ItemContent(
                type="ordering",
                stem="<p>Put the steps in order.</p>",
                options=[OptionData("Log"), OptionData("Classify"), OptionData("Resolve"), OptionData("Close")],
            ),
            VersionStatus.APPROVED,
            competencies[0],
            difficulty=1,
            enemy_group="channels",
        ),
    ]
