"""The program pages over HTTP: who may see what, the exam definition form, the blueprint editor and its
live feasibility panel, the sample form and the coverage view."""

import re

import pytest
from django.urls import reverse

from accounts.roles import Role
from exams.bank import items_bulk_retire
from exams.models import Blueprint, CertificationProgram, Item, ProgramEvent
from exams.models.programs import ProgramStatus
from exams.programs import blueprint_snapshot
from tests.conftest import make_user

from .conftest import blueprint_post

pytestmark = pytest.mark.django_db

ADMIN_ONLY_GET = ["program_list", "program_create", "program_detail", "program_edit", "blueprint_edit"]
ADMIN_ONLY_POST = ["program_publish", "blueprint_feasibility"]
BANK_STAFF_GET = ["form_preview", "coverage"]


def _url(name: str, program: CertificationProgram) -> str:
    if name in ("program_list", "program_create", "coverage"):
        return reverse(f"exams:{name}")
    return reverse(f"exams:{name}", args=[program.pk])


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


@pytest.fixture
def admin_client(client, program_admin):
    client.force_login(program_admin)
    return client


# --- who may see what ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "admin_pages", "staff_pages"),
    [
        ((Role.PROGRAM_ADMIN,), True, True),
        ((Role.AUTHOR,), False, True),
        ((Role.REVIEWER,), False, True),
        ((Role.CANDIDATE,), False, False),
        ((Role.PROCTOR,), False, False),
        ((), False, False),
    ],
    ids=["program admin", "author", "reviewer", "candidate", "proctor", "outsider"],
)
def test_every_program_page_answers_each_role_as_its_rules_say(client, css_bank, roles, admin_pages, staff_pages):
    client.force_login(make_user("visitor", *roles))
    draft = css_bank.draft
    for name in ADMIN_ONLY_GET:
        assert client.get(_url(name, css_bank.css)).status_code == (200 if admin_pages else 403), name
    for name in ADMIN_ONLY_POST:
        expected = (302 if name == "program_publish" else 200) if admin_pages else 403
        assert client.post(_url(name, draft), blueprint_post(draft, weights={})).status_code == expected, name
    for name in BANK_STAFF_GET:
        assert client.get(_url(name, css_bank.css)).status_code == (200 if staff_pages else 403), name


def test_anonymous_visitors_are_sent_to_sign_in_from_every_program_page(client, css_bank):
    for name in ADMIN_ONLY_GET + BANK_STAFF_GET:
        response = client.get(_url(name, css_bank.css))
        assert response.status_code == 302 and response.url.startswith("/accounts/login/"), name
    for name in ADMIN_ONLY_POST:
        assert client.post(_url(name, css_bank.css)).url.startswith("/accounts/login/"), name


def test_a_program_that_does_not_exist_is_not_found(admin_client, css_bank):
    assert admin_client.get(reverse("exams:program_detail", args=[99999])).status_code == 404
    assert admin_client.post(reverse("exams:blueprint_feasibility", args=[99999])).status_code == 404


def test_the_publish_and_feasibility_endpoints_take_only_posts(admin_client, css_bank):
    assert admin_client.get(_url("program_publish", css_bank.draft)).status_code == 405
    assert admin_client.get(_url("blueprint_feasibility", css_bank.css)).status_code == 405


# --- list and program definition -----------------------------------------------------------------


def test_the_program_list_shows_status_and_key_figures_in_a_fixed_number_of_queries(
    admin_client, css_bank, django_assert_num_queries
):
    # user and roles (2; the session comes from the cache), programs with blueprints (3), the CSS pool (3),
    # competency titles (1)
    with django_assert_num_queries(9):
        response = admin_client.get(reverse("exams:program_list"))
    row = _text(response)
    assert "CSS HDI Customer Support Specialist CSS 60 90 70 % 36 months wait 14 d, 3 a year" in row
    assert "Bank can fill it Published" in row
    assert "CCSM Certified Customer Service Manager CCSM 50 75 70 % 36 months" in row
    assert "None yet Draft" in row


def test_creating_a_program_with_every_exam_definition_field_opens_its_blueprint(admin_client, css_bank):
    css_standard = css_bank.standard
    response = admin_client.post(
        reverse("exams:program_create"),
        {
            "code": "CSS-NEW",
            "name": "Customer Support Specialist, 2027 edition",
            "standard": css_standard.pk,
            "level": "",
            "delivery_mode": "loft",
            "item_count": "40",
            "duration_minutes": "60",
            "cut_score_percent": "72.5",
            "scale_min": "100",
            "scale_cut": "700",
            "scale_max": "1000",
            "validity_months": "24",
            "recertification_window_days": "60",
            "retake_wait_days": "21",
            "retake_max_per_year": "2",
            "eligibility": "Two years in a support role.",
            "prerequisite": css_bank.css.pk,
        },
    )
    program = CertificationProgram.objects.get(code="CSS-NEW")
    assert response.status_code == 302 and response.url == reverse("exams:blueprint_edit", args=[program.pk])
    assert program.status == ProgramStatus.DRAFT and program.prerequisite == css_bank.css
    assert (program.item_count, program.retake_wait_days, str(program.cut_score_percent)) == (40, 21, "72.50")
    assert program.events.get().kind == ProgramEvent.Kind.CREATED


def test_a_program_form_with_bad_values_names_each_field_and_creates_nothing(admin_client, css_bank):
    response = admin_client.post(
        reverse("exams:program_create"),
        {
            "code": "CSS",
            "name": "",
            "standard": css_bank.standard.pk,
            "level": "",
            "delivery_mode": "loft",
            "item_count": "0",
            "duration_minutes": "abc",
            "cut_score_percent": "100",
            "scale_min": "100",
            "scale_cut": "1000",
            "scale_max": "1000",
            "validity_months": "24",
            "recertification_window_days": "60",
            "retake_wait_days": "14",
            "retake_max_per_year": "3",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["name"] == ["This field is required."]
    assert errors["duration_minutes"] == ["Enter a whole number."]
    assert CertificationProgram.objects.count() == 2
    # Once the types are right, the service's rules come back on the fields they concern.
    data = dict(response.context["form"].data.items()) | {"name": "Again", "duration_minutes": "60"}
    response = admin_client.post(reverse("exams:program_create"), data)
    errors = response.context["form"].errors
    assert errors["cut_score_percent"] == ["The cut score is a percent above 0 and below 100."]
    assert errors["scale_cut"] == ["The passing scaled score must lie between the lowest and the highest."]
    assert errors["item_count"] == ["A program has at least one item."]
    assert "The program was not saved" in _text(response)
    assert CertificationProgram.objects.count() == 2


def test_a_level_of_another_standard_is_refused_on_the_level_field(admin_client, css_bank):
    from standards.models import Level

    data = {
        **_definition(css_bank.css),
        "level": Level.objects.get(standard__code="CSMG", number=4).pk,
    }
    response = admin_client.post(reverse("exams:program_edit", args=[css_bank.css.pk]), data)
    assert response.context["form"].errors["level"] == ["The level belongs to another standard than the program."]


def _definition(program: CertificationProgram) -> dict:
    from django.forms.models import model_to_dict

    from exams.programs import PROGRAM_FIELDS

    return {k: "" if v is None else v for k, v in model_to_dict(program, fields=PROGRAM_FIELDS).items()}


def test_editing_a_published_program_is_recorded_and_shown_in_its_history(admin_client, program_admin, css):
    data = _definition(css) | {"duration_minutes": "100", "comment": "Longer for the new scenario items"}
    response = admin_client.post(reverse("exams:program_edit", args=[css.pk]), data)
    assert response.status_code == 302
    event = ProgramEvent.objects.get(program=css, actor=program_admin)
    assert event.while_published and (event.before["duration_minutes"], event.after["duration_minutes"]) == (90, 100)
    page = _text(admin_client.get(reverse("exams:program_detail", args=[css.pk])))
    assert "Program changed while published" in page
    assert "Amara Okafor Reason: Longer for the new scenario items 1 change" in page
    assert "duration (minutes) 90 100" in page


def test_growing_a_program_beyond_the_bank_is_refused_naming_the_cells(admin_client, css):
    data = _definition(css) | {"item_count": "120"}
    response = admin_client.post(reverse("exams:program_edit", args=[css.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Professionalism (PRO): needs 36 approved items, the bank has 32 — 4 short",
        "Skills (SKL): needs 36 approved items, the bank has 32 — 4 short",
        "Process (PRC): needs 48 approved items, the bank has 40 — 8 short",
    ]
    css.refresh_from_db()
    assert css.item_count == 60


def test_publishing_a_program_without_a_blueprint_is_refused(admin_client, css_bank):
    response = admin_client.post(reverse("exams:program_publish", args=[css_bank.draft.pk]), follow=True)
    assert "Give the program a blueprint before publishing it." in _text(response)
    assert CertificationProgram.objects.get(pk=css_bank.draft.pk).status == ProgramStatus.DRAFT


# --- blueprint editor ----------------------------------------------------------------------------


def test_the_editor_opens_with_the_saved_shares_and_the_bank_check(admin_client, css):
    response = admin_client.get(reverse("exams:blueprint_edit", args=[css.pk]))
    form = response.context["form"]
    pro = css.standard.domains.get(code="PRO")
    assert form[f"weight_{pro.pk}"].value() == 30
    page = _text(response)
    assert "Shares total: 100 %" in page
    assert "The bank can fill every cell." in page
    assert "Professionalism (PRO) 18 32 ✓ enough" in page


def test_saving_an_infeasible_share_is_refused_naming_the_cell_and_the_shortfall(admin_client, program_admin, css):
    before = blueprint_snapshot(css.blueprint)
    response = admin_client.post(
        reverse("exams:blueprint_edit", args=[css.pk]),
        blueprint_post(css, weights={"PRO": "60", "SKL": "10", "PRC": "30"}, minimum=1),
    )
    assert response.status_code == 200
    page = _text(response)
    assert "The blueprint was not saved. Professionalism (PRO): needs 36 approved items, the bank has 32 — 4 short" in (
        page
    )
    assert "Professionalism (PRO) 36 32 ✗ 4 short" in page  # the panel names it too
    assert blueprint_snapshot(Blueprint.objects.get(program=css)) == before
    assert not ProgramEvent.objects.filter(actor=program_admin).exists()


def test_shares_that_do_not_total_100_are_refused(admin_client, css):
    response = admin_client.post(
        reverse("exams:blueprint_edit", args=[css.pk]), blueprint_post(css, weights={"PRO": "30", "SKL": "30"})
    )
    assert "The weights add up to 60 %, not 100 %." in _text(response)
    assert "Shares total: 60 % — must be 100 %" in _text(response)


def test_a_share_that_is_not_a_number_is_named_by_its_domain(admin_client, css):
    response = admin_client.post(
        reverse("exams:blueprint_edit", args=[css.pk]),
        blueprint_post(css, weights={"PRO": "thirty", "SKL": "30", "PRC": "40"}),
    )
    assert "Share of Professionalism (%) : Enter a number." in _text(response)


def test_a_feasible_change_is_saved_and_audited_with_before_and_after(admin_client, program_admin, css):
    response = admin_client.post(
        reverse("exams:blueprint_edit", args=[css.pk]),
        blueprint_post(css, weights={"PRO": "35", "SKL": "25", "PRC": "40"}, comment="Job analysis 2026"),
    )
    assert response.status_code == 302 and response.url == reverse("exams:program_detail", args=[css.pk])
    event = ProgramEvent.objects.get(program=css, actor=program_admin)
    assert event.kind == "blueprint" and event.while_published
    assert event.before["domains"]["PRO"] == "30.00" and event.after["domains"]["PRO"] == "35.00"
    page = _text(admin_client.get(response.url))
    assert "Blueprint changed while published" in page
    assert "weight of PRO (%) 30.00 35.00 weight of SKL (%) 30.00 25.00" in page
    assert "Professionalism (PRO) 35 % 21 32" in page


def test_the_check_button_shows_the_bank_check_without_saving(admin_client, css):
    response = admin_client.post(
        reverse("exams:blueprint_edit", args=[css.pk]),
        blueprint_post(css, weights={"PRO": "35", "SKL": "25", "PRC": "40"}, check="1"),
    )
    assert response.status_code == 200 and "Professionalism (PRO) 21 32 ✓ enough" in _text(response)
    assert Blueprint.objects.get(program=css).domains.get(domain__code="PRO").weight == 30


def test_the_live_panel_answers_with_needed_against_available_and_saves_nothing(admin_client, css):
    url = reverse("exams:blueprint_feasibility", args=[css.pk])
    response = admin_client.post(url, blueprint_post(css, weights={"PRO": "60", "SKL": "10", "PRC": "30"}, minimum=1))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'class="table-danger"' in html
    page = _text(response)
    assert "The bank cannot fill 1 cell: saving will be refused." in page
    assert "Professionalism (PRO) 36 32 ✗ 4 short" in page
    assert "Skills (SKL) 6 32 ✓ enough" in page
    assert Blueprint.objects.get(program=css).domains.get(domain__code="PRO").weight == 30
    assert not ProgramEvent.objects.filter(program=css, kind="blueprint").exclude(comment="First blueprint").exists()


def test_the_live_panel_names_a_competency_minimum_the_bank_cannot_meet(admin_client, css):
    eth = css.standard.domains.get(code="PRO").competencies.get(code="CSS-PRO-ETH")
    data = blueprint_post(css) | {f"min_{eth.pk}": "9"}
    page = _text(admin_client.post(reverse("exams:blueprint_feasibility", args=[css.pk]), data))
    assert "Ethics (CSS-PRO-ETH) 9 8 ✗ 1 short" in page


def test_the_live_panel_lists_the_blueprints_own_errors_by_field(admin_client, css):
    url = reverse("exams:blueprint_feasibility", args=[css.pk])
    page = _text(admin_client.post(url, blueprint_post(css, difficulty_target="7")))
    assert "Not a blueprint that can be saved yet: Target mean difficulty: " in page
    assert "Ensure this value is less than or equal to 5." in page


def test_a_blueprint_for_a_new_program_starts_from_the_standards_weights(admin_client, css_bank):
    response = admin_client.get(reverse("exams:blueprint_edit", args=[css_bank.draft.pk]))
    form = response.context["form"]
    weights = [form[f"weight_{d.pk}"].value() for d in form.domains]
    assert [str(w) for w in weights] == [str(d.weight) for d in css_bank.draft.standard.domains.all()]


# --- sample form and coverage ---------------------------------------------------------------------


def test_the_sample_form_shows_its_seed_items_by_domain_and_their_keys(client, css_bank, author):
    client.force_login(author)
    response = client.get(reverse("exams:form_preview", args=[css_bank.css.pk]), {"seed": "77"})
    page = _text(response)
    assert "Seed: 77" in page
    assert "Professionalism (PRO) 18 18 ✓ met" in page and "All domains 60 60" in page
    assert "✓ on target" in page
    assert page.count("Acknowledge and own it key") == 60
    sections = response.context["preview"].domains
    assert [d.label for d in sections] == ["Professionalism (PRO)", "Skills (SKL)", "Process (PRC)"]
    assert all("(CSS-PRO-" in item.competency for item in sections[0].items)
    again = client.get(reverse("exams:form_preview", args=[css_bank.css.pk]), {"seed": "77"})
    assert [i.ref for d in again.context["preview"].domains for i in d.items] == [
        i.ref for d in sections for i in d.items
    ]


def test_a_sample_form_without_a_seed_draws_a_new_one_and_a_bad_seed_is_said_so(admin_client, css_bank):
    url = reverse("exams:form_preview", args=[css_bank.css.pk])
    assert admin_client.get(url).context["preview"].seed >= 0
    response = admin_client.get(url, {"seed": "-5"})
    assert "Seed not used: Ensure this value is greater than or equal to 0. A new seed was drawn." in _text(response)


def test_a_sample_form_of_a_program_without_blueprint_says_why(admin_client, css_bank):
    response = admin_client.get(reverse("exams:form_preview", args=[css_bank.draft.pk]))
    assert "No form can be drawn: CCSM has no blueprint yet." in _text(response)


def test_coverage_shows_approved_items_against_each_blueprint_and_marks_gaps_in_words(
    client, css_bank, reviewer, program_admin, django_assert_max_num_queries
):
    client.force_login(reviewer)
    with django_assert_max_num_queries(12):
        page = _text(client.get(reverse("exams:coverage")))
    assert "No gaps: the bank can fill every blueprint of this standard." in page
    assert "Ethics (CSS-PRO-ETH) 8 needs 3, has 8" in page
    items_bulk_retire(items=Item.objects.filter(competency__code="CSS-PRO-ETH")[:6], by=program_admin, comment="Old")
    response = client.get(reverse("exams:coverage"))
    page = _text(response)
    assert "1 gap: write and approve items here first. CSS · Ethics (CSS-PRO-ETH): needs 3, has 2 — 1 short" in page
    assert "Ethics (CSS-PRO-ETH) 2 needs 3, has 2 ⚠ gap: 1 short" in page
    assert 'class="text-end coverage-need table-danger" data-gap="1"' in response.content.decode()
