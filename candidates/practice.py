"""The practice exam: five sample items, written for certdesk, to learn the exam screen on.

They are not bank items and carry no key: the practice exam is never scored, and the answers
stay in the candidate's browser.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

PRACTICE_MINUTES = 15


@dataclass(frozen=True)
class PracticeItem:
    type: str  # one of exams.models.bank.ItemType's values
    stem: str  # trusted HTML written here, never user input
    options: tuple[str, ...]  # in the order shown


PRACTICE_ITEMS = (
    PracticeItem(
        type="single",
        stem=_(
            "<p>A customer emails for the third time this week: her replacement router has still not arrived "
            "and she works from home. What should your reply do first?</p>"
        ),
        options=(
            _("Quote the delivery terms so she understands that the courier is responsible."),
            _("Acknowledge the repeated delay and its effect on her work, then say what you will do and by when."),
            _("Ask her to call the courier directly, because support cannot see the parcel's status."),
            _("Offer a discount voucher before looking into where the parcel is."),
        ),
    ),
    PracticeItem(
        type="multiple",
        stem=_(
            "<p>You are escalating a ticket about failed card payments to the second-line payments team. "
            "Which details belong in the ticket before you hand it over? Choose all that apply.</p>"
        ),
        options=(
            _("The exact error message and when the failures started."),
            _("What you have already tried and what happened."),
            _("The customer's full card number, so the team can test it."),
            _("How many customers are affected and how badly."),
            _("Your personal opinion of the payments team's last release."),
        ),
    ),
    PracticeItem(
        type="truefalse",
        stem=_(
            "<p>A service level agreement promises a first response within four business hours. "
            "The target is met only when the customer's problem is solved within four business hours.</p>"
        ),
        options=(_("True"), _("False")),
    ),
    PracticeItem(
        type="ordering",
        stem=_("<p>Put the steps of handling a complaint call in order, the first step at the top.</p>"),
        options=(
            _("Agree on a resolution and a time frame with the customer."),
            _("Greet the customer and confirm who they are."),
            _("Log the call and confirm the next steps in writing."),
            _("Listen to the complaint without interrupting and acknowledge it."),
            _("Ask questions until you understand what went wrong."),
        ),
    ),
    PracticeItem(
        type="single",
        stem=_(
            "<p>While helping a customer on chat you find that the knowledge-base article you followed "
            "gives a setting that no longer exists. What is the best next step after helping the customer?</p>"
        ),
        options=(
            _("Nothing: the article will be reviewed at its next scheduled date."),
            _("Edit the article yourself and tell nobody, so it is fixed at once."),
            _("Flag the article to its owner with what changed, so it is corrected for everyone."),
            _("Stop using the knowledge base and rely on your own notes instead."),
        ),
    ),
)
