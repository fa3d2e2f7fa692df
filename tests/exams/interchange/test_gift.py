"""GIFT import: the format authors type by hand."""

import pytest

from exams.interchange.detect import plan_from_file
from exams.interchange.plan import ImportRefused, import_plan_apply
from exams.models import Item

MIXED = """// A mixed bank of 20 questions, as an author would type it.
$CATEGORY: $course$/Support/Escalation

::Q01 Escalation:: Who owns an incident after a functional escalation? {
  =The resolver group it was escalated to#Right.
  ~The caller#No.
  ~The service desk manager#No.
}

::Q02 SLA:: An SLA states agreed service targets.{TRUE#Think again.#Yes.}

::Q03:: A knowledge article must never be edited once published.{F}

::Q04 Channels:: Which channels are synchronous? {
  ~%50%Phone
  ~%50%Live chat
  ~%-100%Email
  ~%-100%Letter
}

// essay: not supported
::Q05 Essay:: Describe your escalation process. {}

::Q06:: What is 2 + 2? {#4}

::Q07:: Which product is ours? {=Desk =Helpdesk}

::Q08 Match:: Match the terms. {
  =SLA -> Service level agreement
  =OLA -> Operational level agreement
  =UC -> Underpinning contract
}

::Q09 Missing word:: The first step of incident management is {~closure =logging ~review} of the call.

::Q10 Escapes:: Which of these is written \\{braces\\}? {
  =Curly \\{ \\} braces # Right\\: escaped.
  ~Square [ ] brackets
  ~Round ( ) brackets
}

::Q11:: Priority is derived from impact and urgency.{TRUE}

::Q12:: A workaround removes the root cause.{FALSE#A workaround restores service.#Correct.
####Problem management removes causes.}

::Q13 Weighted:: Which are ITIL practices? {
  ~%33.33333%Incident management
  ~%33.33333%Problem management
  ~%33.33333%Change enablement
  ~%-100%Lunch management
}

::Q14:: Which document states targets agreed with the customer? {
  ~OLA#Internal.
  =SLA#Yes.
  ~UC#Supplier.
}

::Q15:: A major incident needs a separate procedure.{T}

::Q16:: Which is a good first question on a call? {=May I have your name?~Why are you calling me?~What now?}

::Q17 HTML::[html]<p>Which tag makes <strong>bold</strong> text?</p>{=strong~em~u}

::Q18:: Customers should wait for agents to explain every acronym.{FALSE}

::Q19 Multiline::
  Which of these is a service metric?
  {
    ~Colour of the logo
    =First contact resolution
    ~Number of desks
  }

::Q20:: Knowledge-centred service captures knowledge in the workflow.{TRUE}

";
"""


def test_a_gift_file_of_twenty_mixed_items_imports(standards_loaded, author):
    plan = plan_from_file(MIXED.encode(), filename="mixed.gift")
    assert len(plan.items) == 20
    unsupported = {(i.name, i.source_type) for i in plan.unsupported}
    assert unsupported == {
        ("Q05 Essay", "essay"),
        ("Q06", "numerical"),
        ("Q07", "short answer"),
        ("Q08 Match", "matching"),
    }
    assert plan.with_errors == []
    assert any("ignored" in w for w in plan.warnings), plan.warnings  # the trailing '";'

    result = import_plan_apply(plan, author=author, skip_unsupported=True)
    assert len(result.created) == 16
    items = {i.current_version.stem: i for i in Item.objects.select_related("current_version")}
    by_name = {p.name: p for p in plan.to_import}
    assert by_name["Q04 Channels"].content.type == "multiple"
    assert by_name["Q04 Channels"].content.scoring == "partial"
    assert [o.is_correct for o in by_name["Q04 Channels"].content.options] == [True, True, False, False]
    assert by_name["Q02 SLA"].content.type == "truefalse"
    assert [(o.text, o.is_correct, o.feedback) for o in by_name["Q02 SLA"].content.options] == [
        ("True", True, "Yes."),
        ("False", False, "Think again."),
    ]
    assert by_name["Q12"].content.rationale == "Problem management removes causes."
    assert "_____ of the call" in by_name["Q09 Missing word"].content.stem
    assert [o.text for o in by_name["Q10 Escapes"].content.options][0] == "Curly { } braces"
    assert by_name["Q10 Escapes"].content.options[0].feedback == "Right: escaped."
    assert "<strong>bold</strong>" in by_name["Q17 HTML"].content.stem
    for item in Item.objects.all():
        assert item.current_version.status == "draft"  # no competency: drafts to be tagged
        assert list(item.tags.values_list("name", flat=True)) == ["Support/Escalation"]
        assert item.created_by == author
    assert len(items) == 16


def test_one_broken_item_is_named_and_nothing_is_imported(standards_loaded, author):
    broken = MIXED.replace("  =SLA#Yes.\n  ~UC#Supplier.\n}", "  =SLA#Yes.\n  ~UC#Supplier.\n")
    plan = plan_from_file(broken.encode(), filename="broken.gift")
    assert len(plan.items) == 20
    assert [(i.name, i.where) for i in plan.with_errors] == [("Q14", "line 54")]
    assert "not closed" in plan.with_errors[0].errors[0]
    message = plan.refusal(skip_unsupported=True)
    assert "Q14 (line 54)" in message
    with pytest.raises(ImportRefused, match="Q14"):
        import_plan_apply(plan, author=author, skip_unsupported=True)
    assert Item.objects.count() == 0


def test_a_choice_question_without_a_key_is_an_error_even_when_skipping_unsupported(standards_loaded, author):
    text = "::Keyless:: Which one? {~a ~b ~c}\n\n::Essay:: Tell us. {}\n"
    plan = plan_from_file(text.encode(), filename="keyless.gift")
    assert [i.name for i in plan.with_errors] == ["Keyless"]
    assert "no answer key" in plan.with_errors[0].errors[0]
    assert plan.with_errors[0].where == "line 1"
    with pytest.raises(ImportRefused, match="Keyless"):
        import_plan_apply(plan, author=author, skip_unsupported=True)
    assert Item.objects.count() == 0


def test_a_category_line_directly_above_a_question_still_tags_it(standards_loaded):
    plan = plan_from_file(b"$CATEGORY: $course$/Top/Sub\n::Q:: Which? {=a ~b}\n", filename="c.gift")
    (item,) = plan.to_import
    assert (item.name, item.where, item.tags) == ("Q", "line 2", ["Top/Sub"])
