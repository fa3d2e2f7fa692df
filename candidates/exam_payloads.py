"""What the candidate's exam screen and score report are made of.

Built from the frozen form only: the stem, and each option's text with its written position, in
the order the form shows them. Keys (is_correct), option feedback and rationales are never read
into these structures, so no template or JSON response can leak them by accident.
"""

import json
from decimal import Decimal
from functools import lru_cache

from django.core.cache import cache
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from candidates.practice import PRACTICE_ITEMS, PRACTICE_MINUTES
from exams.delivery import attempt_messages, attempt_refresh_with_last_event, earliest_retake
from exams.models.bank import ItemOption, ItemType
from exams.models.delivery import LIVE_STATUSES, Attempt, AttemptStatus, Response
from exams.models.programs import FormItem
from standards.models import Competency

STUDY_LIST_LENGTH = 6
FORM_ITEMS_CACHE_SECONDS = 24 * 3600  # a session's start window is hours, not days


def instructions_for(item_type: str) -> str:
    return {
        ItemType.SINGLE: _("Choose one answer."),
        ItemType.MULTIPLE: _("Choose every answer that applies."),
        ItemType.TRUE_FALSE: _("Choose true or false."),
        ItemType.ORDERING: _("Put the steps in order, the first step at the top."),
    }.get(item_type, "")


def form_items(attempt: Attempt) -> list[dict]:
    """The attempt's items as shown: options in the form's option_order, each with its written position."""
    return list(_form_items(attempt.form_id, get_language(), attempt.public_id))


def warm_form_items(attempt: Attempt) -> None:
    """Puts the attempt's items in the shared cache before its clock starts (the form is frozen at
    check-in), so that the exam fetched after the start reads one cache entry, not the form's rows."""
    if attempt.form_id is None:
        return
    key = _items_cache_key(attempt.public_id, attempt.form_id, get_language())
    if not cache.has_key(key):
        cache.set(key, _read_form_items(attempt.form_id), FORM_ITEMS_CACHE_SECONDS)


def _items_cache_key(public_id: str, form_id: int, language: str | None) -> str:
    # The attempt's unguessable id with the form's: a form id alone is handed out again by a
    # restored or recreated database, and the shared cache would then show another form's items.
    return f"exam-form-items:{public_id}:{form_id}:{language}"


# A frozen form never changes, so each process keeps the items it has shown, by language (the
# instructions are translated): on an exam morning every candidate's screen loads in the same
# minute. Each candidate usually has a form of their own, which no process has seen before the
# start, so the start page also leaves the items in the shared cache (warm_form_items).
@lru_cache(maxsize=512)
def _form_items(form_id: int, language: str | None, public_id: str) -> tuple[dict, ...]:
    cached = cache.get(_items_cache_key(public_id, form_id, language))
    return cached if cached is not None else _read_form_items(form_id)


def _read_form_items(form_id: int) -> tuple[dict, ...]:
    rows = list(
        FormItem.objects.filter(form_id=form_id)
        .order_by("position")
        .values_list("position", "option_order", "item_version_id", "item_version__type", "item_version__stem")
    )
    # Only position and text: the option rows' key and feedback columns are not even loaded.
    texts: dict[tuple[int, int], str] = {
        (version, position): text
        for version, position, text in ItemOption.objects.filter(version_id__in=[row[2] for row in rows]).values_list(
            "version_id", "position", "text"
        )
    }
    instructions = {item_type: instructions_for(item_type) for item_type in ItemType.values}
    return tuple(
        {
            "position": position,
            "type": item_type,
            "instructions": instructions[item_type],
            "stem": stem,
            "options": [{"position": p, "text": texts[(version, p)]} for p in option_order],
        }
        for position, option_order, version, item_type, stem in rows
    )


def stored_responses(attempt: Attempt) -> dict[str, dict]:
    rows = Response.objects.filter(attempt=attempt).values_list("form_item__position", "value", "flagged", "client_seq")
    return {str(position): {"value": value, "flagged": flagged, "seq": seq} for position, value, flagged, seq in rows}


def clock(attempt: Attempt, now=None) -> dict:
    """What every exam JSON response says about time: the server's clock is the only one."""
    return {
        "status": attempt.status,
        "remaining_seconds": attempt.remaining_seconds(now or timezone.now()),
        "paused": attempt.status == AttemptStatus.PAUSED,
    }


def exam_payload(attempt: Attempt) -> dict:
    """Everything the exam page starts from: the items, the stored answers, the clock and the
    proctor's messages so far, with the attempt's last event id they are as of."""
    # The state and the id of the event it is as of: an action after it shows as a newer event at the
    # next acknowledgement, never as one the screen believes it has seen.
    last_event = attempt_refresh_with_last_event(
        attempt, ["status", "deadline", "paused_at", "paused_seconds", "current_position"]
    )
    items = form_items(attempt)
    return {
        "attempt": attempt.public_id,
        "program": {"code": attempt.program.code, "name": attempt.program.name},
        "item_count": len(items),
        "current_position": attempt.current_position,
        "items": items,
        "responses": stored_responses(attempt),
        "messages": proctor_messages(attempt),
        "last_event": last_event,
        **clock(attempt),
    }


def script_json(value) -> SafeString:
    """JSON to put inside <script type="application/json">, escaped as Django's json_script escapes
    it (no "<", ">" or "&" survives, so the text cannot close the script element). Three replaces
    instead of json_script's per-character translate: the exam is 40 KB, sent to a whole session
    in the same minute.
    """
    text = json.dumps(value)
    return mark_safe(text.replace("&", "\\u0026").replace("<", "\\u003C").replace(">", "\\u003E"))  # noqa: S308


def proctor_messages(attempt: Attempt, *, after: int = 0) -> list[dict]:
    """The proctor's messages to the candidate, oldest first, after the id the screen last showed."""
    return [
        {"id": m.pk, "text": m.detail.get("text", ""), "at": m.at.isoformat()}
        for m in attempt_messages(attempt, after=after)
    ]


def practice_payload() -> dict:
    items = []
    for n, item in enumerate(PRACTICE_ITEMS, start=1):
        items.append(
            {
                "position": n,
                "type": item.type,
                "instructions": instructions_for(item.type),
                "stem": str(item.stem),
                "options": [{"position": p, "text": str(text)} for p, text in enumerate(item.options, start=1)],
            }
        )
    return {
        "attempt": "practice",
        "program": {"code": _("Practice"), "name": _("Practice exam")},
        "item_count": len(items),
        "current_position": 1,
        "items": items,
        "responses": {},
        "status": AttemptStatus.IN_PROGRESS,
        "remaining_seconds": PRACTICE_MINUTES * 60,
        "paused": False,
    }


def screen_strings() -> dict[str, str]:
    """The words exam.js shows, translated here so the script holds no English of its own."""
    return {
        "question_of": _("Question %(n)s of %(total)s"),
        "answered_of": _("%(answered)s of %(total)s answered"),
        "flagged_count": _("%(n)s flagged"),
        "nav_answered": _("answered"),
        "nav_unanswered": _("not answered"),
        "nav_flagged": _("flagged for review"),
        "nav_current": _("current question"),
        "nav_label": _("Question %(n)s"),
        "saving": _("Saving…"),
        "saved": _("Saved"),
        "saved_practice": _("Kept in this browser (practice: nothing is sent or scored)"),
        "queued": _("Queued: it will be sent when the connection returns"),
        "not_saved": _("Not saved: %(message)s"),
        "offline": _(
            "Offline — %(n)s answers queued. They are kept in this browser and sent when the connection returns."
        ),
        "offline_one": _("Offline — 1 answer queued. It is kept in this browser and sent when the connection returns."),
        "offline_none": _(
            "Offline — answers you give now are kept in this browser and sent when the connection returns."
        ),
        "signed_out": _("You are signed out. Sign in again in another tab; your answers are kept in this browser."),
        "back_online": _("Connection restored. Every answer is saved."),
        "move_up": _("Move up: %(text)s"),
        "move_down": _("Move down: %(text)s"),
        "moved": _("“%(text)s” is now step %(n)s of %(total)s."),
        "keep_order": _("Keep this order as my answer"),
        "order_kept": _("Order saved as your answer."),
        "time_left": _("Time left"),
        "warn_10": _("10 minutes left."),
        "warn_5": _("5 minutes left."),
        "warn_1": _("1 minute left."),
        "time_up": _("Time is up"),
        "time_up_text": _("Your answers are being submitted. Your result follows in a moment."),
        "paused": _("Your exam is paused by the proctor. The clock has stopped; wait here."),
        "resumed": _("Your exam has resumed."),
        "none": _("None."),
        "review_summary": _(
            "You have answered %(answered)s of %(total)s questions; %(flagged)s are flagged for review."
        ),
        "confirm_text": _(
            "You have answered %(answered)s of %(total)s questions. After you submit you cannot change any answer."
        ),
        "confirm_unanswered": _("%(n)s questions are not answered."),
        "unsent": _("%(n)s answers have not reached the server yet. Check your connection, then submit again."),
        "submitting": _("Submitting…"),
        "practice_done": _("Practice finished"),
        "practice_done_text": _(
            "You answered %(answered)s of %(total)s questions. The practice exam is not scored and nothing was "
            "sent: the real exam works the same way, with your answers saved on our server as you go."
        ),
        "load_failed": _("Your exam could not be loaded. Check your connection and reload the page."),
        "start_failed": _("Your exam could not be started. Check your connection and press Start again."),
        "proctor_says": _("Message from your proctor"),
        "ended": _("Your exam has ended"),
        "ended_text": _(
            "Your proctor ended the exam. The answers you saved are kept; your result page says what happens next."
        ),
        "moved_device": _("Your exam continues on another device"),
        "see_result": _("Go to your result page"),
        "full_screen": _("Full screen"),
        "leave_full_screen": _("Leave full screen"),
    }


# --- the score report ------------------------------------------------------------------------


def score_report(attempt: Attempt) -> dict:
    """The released result as the candidate sees it: domains, what to study, when to retake. No item."""
    cut = Decimal(attempt.program.cut_score_percent)
    domains = [
        {"label": d["label"], "percent": Decimal(str(d["percent"])), "raw": d["raw"], "max": d["max"]}
        for d in attempt.domain_scores
    ]
    weak = sorted(
        (c for c in attempt.competency_scores if c["max"] and Decimal(str(c["percent"])) < cut),
        key=lambda c: (c["percent"], c["label"]),
    )[:STUDY_LIST_LENGTH]
    titles = dict(Competency.objects.filter(code__in=[c["label"] for c in weak]).values_list("code", "title"))
    study = [
        {"code": c["label"], "title": titles.get(c["label"], ""), "percent": Decimal(str(c["percent"]))} for c in weak
    ]
    return {
        "passed": attempt.passed,
        "scaled_score": attempt.scaled_score,
        "scale_min": attempt.program.scale_min,
        "scale_max": attempt.program.scale_max,
        "scale_cut": attempt.program.scale_cut,
        "percent": attempt.percent,
        "cut_percent": cut,
        "domains": domains,
        "study": study,
        "retake": earliest_retake(attempt),
    }


def result_state(attempt: Attempt) -> str:
    """Which result page the candidate sees: released, held (scored, not yet released), or another ending."""
    if attempt.status == AttemptStatus.RELEASED:
        return "released"
    if attempt.status in (AttemptStatus.SUBMITTED, AttemptStatus.SCORED, AttemptStatus.TERMINATED):
        return "held"
    if attempt.status in LIVE_STATUSES:
        return "live"
    return attempt.status
