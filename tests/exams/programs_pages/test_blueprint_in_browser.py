"""The program administrator's main path in Chromium: edit the CSS blueprint with the feasibility panel
answering live, meet a refusal for a share the bank cannot fill, save a feasible change, then draw a
sample form."""

import re

import pytest
from playwright.sync_api import expect

from exams.models import ProgramEvent

from .conftest import build_css_bank

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_edits_the_css_blueprint_with_the_live_check_and_previews_a_form(
    page, live_server, standards_loaded, program_admin, login_in_browser
):
    bank = build_css_bank()
    css = bank.css
    pro, skl, prc = (css.standard.domains.get(code=code).pk for code in ("PRO", "SKL", "PRC"))
    login_in_browser(page, program_admin)

    page.goto(f"{live_server.url}/programs/")
    page.get_by_role("link", name="CSS", exact=True).click()
    page.get_by_role("link", name="Edit the blueprint").click()
    # htmx wires the live check when the page has loaded: typing before that is not checked live.
    page.wait_for_load_state("load")
    panel = page.get_by_test_id("feasibility")
    professionalism = panel.get_by_role("row", name="Professionalism (PRO)")
    expect(professionalism).to_contain_text("18")
    expect(panel.get_by_test_id("feasibility-verdict")).to_have_text("✓ The bank can fill every cell.")

    # Shares that do not total 100 yet: the panel says so while typing.
    page.locator(f"#id_weight_{pro}").fill("60")
    expect(panel.get_by_test_id("weight-total")).to_have_text("130 %")
    expect(panel.get_by_test_id("feasibility-errors")).to_contain_text("The weights add up to 130.00 %, not 100 %.")

    # A share the bank cannot fill: the panel names the cell and the shortfall in red. (Skills keeps
    # only 6 items at 10 %, so its minimums come down first.)
    for competency in css.standard.domains.get(code="SKL").competencies.all():
        page.locator(f"#id_min_{competency.pk}").fill("1")
    page.locator(f"#id_weight_{skl}").fill("10")
    page.locator(f"#id_weight_{prc}").fill("30")
    expect(panel.get_by_test_id("weight-total")).to_have_text("100 %")
    expect(professionalism).to_contain_text("4 short")
    expect(professionalism).to_have_class("table-danger")
    expect(panel.get_by_test_id("feasibility-verdict")).to_contain_text("The bank cannot fill 1 cell")
    expect(page.get_by_role("status")).to_contain_text("The bank cannot fill 1 cell: saving will be refused.")

    page.get_by_role("button", name="Save the blueprint").click()
    expect(page.get_by_test_id("form-errors")).to_contain_text(
        "Professionalism (PRO): needs 36 approved items, the bank has 32 — 4 short"
    )
    assert not ProgramEvent.objects.filter(program=css, actor=program_admin).exists()

    # A feasible change: the panel turns, the save goes through and the history shows it.
    page.locator(f"#id_weight_{pro}").fill("35")
    page.locator(f"#id_weight_{skl}").fill("25")
    page.locator(f"#id_weight_{prc}").fill("40")
    expect(professionalism).to_contain_text("21")
    expect(panel.get_by_test_id("feasibility-verdict")).to_have_text("✓ The bank can fill every cell.")
    page.get_by_label("Reason for the change").fill("Job analysis 2026")
    page.get_by_role("button", name="Save the blueprint").click()
    expect(page.get_by_text("Blueprint saved: the bank can fill it.")).to_be_visible()
    change = page.get_by_test_id("event-blueprint").first
    expect(change).to_contain_text("while published")
    expect(change).to_contain_text("Job analysis 2026")
    expect(change.get_by_role("row", name="weight of PRO (%)")).to_contain_text("30.00")
    expect(change.get_by_role("row", name="weight of PRO (%)")).to_contain_text("35.00")

    page.get_by_role("link", name="Preview a sample form").click()
    expect(page.get_by_test_id("seed")).to_have_text(re.compile(r"^\d+$"))
    counts = page.get_by_test_id("domain-counts")
    expect(counts.get_by_role("row", name="Professionalism (PRO)")).to_contain_text("21")
    expect(page.get_by_test_id("item-count")).to_have_text("60")
    expect(page.get_by_test_id("preview-domain")).to_have_count(3)
    expect(page.get_by_test_id("preview-domain").first.get_by_test_id("preview-item")).to_have_count(21)
