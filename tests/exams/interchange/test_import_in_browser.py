"""Upload → preview → confirm in Chromium, saved by a real Celery worker with the progress bar polling."""

import pytest
from playwright.sync_api import expect

from exams.models import ImportJob, Item

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

GIFT = """$CATEGORY: $course$/Browser
::Channel:: Which channel is live? {=Chat ~Email ~Letter}

::Escalation:: Functional escalation passes an incident to a specialist group.{TRUE}

::Essay:: Describe your day. {}
"""


def test_an_author_uploads_previews_and_confirms_an_import(
    page, live_server, login_in_browser, author, standards_loaded, celery_worker_process, tmp_path
):
    source = tmp_path / "browser.gift"
    source.write_text(GIFT, encoding="utf-8")
    login_in_browser(page, author)
    page.goto(f"{live_server.url}/bank/interchange/")
    page.get_by_label("File").set_input_files(str(source))
    page.get_by_role("button", name="Upload and preview").click()

    expect(page.get_by_role("heading", name="Import of browser.gift")).to_be_visible()
    expect(page.get_by_test_id("unsupported-list")).to_contain_text("Essay")
    expect(page.get_by_test_id("preview-table")).to_contain_text("Channel")
    assert Item.objects.count() == 0

    page.get_by_label("Skip unsupported items and import the rest").check()
    page.get_by_role("button", name="Import 2 items").click()
    expect(page.get_by_test_id("import-result")).to_contain_text("2 items imported", timeout=30_000)
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")

    job = ImportJob.objects.get()
    try:
        assert job.status == "done"
        assert sorted(Item.objects.values_list("current_version__type", flat=True)) == ["single", "truefalse"]
        assert set(Item.objects.values_list("tags__name", flat=True)) == {"Browser"}
        assert set(Item.objects.values_list("created_by__username", flat=True)) == {author.username}
    finally:
        job.file.delete(save=False)
