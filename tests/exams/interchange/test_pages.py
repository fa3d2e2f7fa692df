"""The import and export pages: who may open them, upload → preview → confirm, downloads."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from exams.interchange.jobs import import_job_execute
from exams.models import ImportJob, Item

from .test_refusals import MOODLE_XXE

GIFT = b"::Good:: Which channel is live? {=Chat ~Email ~Letter}\n\n::Essay:: Tell us. {}\n"
PAGES = ["/bank/interchange/", "/bank/interchange/export/", "/bank/interchange/export/csv/"]


@pytest.mark.parametrize("persona", ["candidate", "proctor", "outsider", "reviewer"])
def test_only_authors_and_program_administrators_open_the_interchange_pages(client, personas, persona):
    client.force_login(personas[persona])
    for url in PAGES:
        assert client.get(url).status_code == 403, url
    assert client.post("/bank/interchange/", {"file": SimpleUploadedFile("a.gift", GIFT)}).status_code == 403
    assert ImportJob.objects.count() == 0


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/bank/interchange/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_upload_shows_a_preview_and_saves_nothing(client, author, standards_loaded, media_root):
    client.force_login(author)
    response = client.post("/bank/interchange/", {"file": SimpleUploadedFile("bank.gift", GIFT)})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == f"/bank/interchange/imports/{job.pk}/"
    html = client.get(response.url).content.decode()
    assert "Good" in html and "Essay" in html and "essay" in html and "line 3" in html
    assert "Skip unsupported items and import the rest" in html
    assert Item.objects.count() == 0
    assert job.status == "previewed" and job.unsupported_count == 1


def test_confirming_without_skipping_unsupported_imports_nothing(client, author, standards_loaded, media_root):
    client.force_login(author)
    client.post("/bank/interchange/", {"file": SimpleUploadedFile("bank.gift", GIFT)})
    job = ImportJob.objects.get()
    response = client.post(f"/bank/interchange/imports/{job.pk}/", {}, follow=True)
    html = response.content.decode()
    assert "does not support, so nothing is imported" in html
    job.refresh_from_db()
    assert job.status == "previewed" and Item.objects.count() == 0


def test_confirming_queues_the_import_and_the_service_saves_it(
    client, author, standards_loaded, media_root, django_capture_on_commit_callbacks, monkeypatch
):
    from exams.interchange import tasks

    queued = []
    monkeypatch.setattr(tasks.import_job_run, "delay", lambda job_id: queued.append(job_id))
    client.force_login(author)
    client.post("/bank/interchange/", {"file": SimpleUploadedFile("bank.gift", GIFT)})
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/bank/interchange/imports/{job.pk}/", {"skip_unsupported": "on"})
    assert queued == [job.pk]
    import_job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.imported_count, job.progress_done, job.progress_total) == ("done", 1, 1, 1)
    assert Item.objects.get().created_by == author
    progress = client.get(f"/bank/interchange/imports/{job.pk}/progress/").content.decode()
    assert "1 item imported" in progress and "hx-trigger" not in progress
    assert import_job_execute(job_id=job.pk) is None  # a redelivered task does not run it twice


def test_a_refused_file_is_named_on_the_form_and_leaves_nothing(client, program_admin, standards_loaded, media_root):
    client.force_login(program_admin)
    response = client.post("/bank/interchange/", {"file": SimpleUploadedFile("evil.xml", MOODLE_XXE)})
    assert response.status_code == 200
    assert "declares a DTD or entities" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_another_author_cannot_see_or_confirm_my_import(client, author, standards_loaded, media_root):
    from accounts.roles import Role
    from tests.conftest import make_user

    client.force_login(author)
    client.post("/bank/interchange/", {"file": SimpleUploadedFile("bank.gift", GIFT)})
    job = ImportJob.objects.get()
    client.force_login(make_user("author2", Role.AUTHOR))
    assert client.get(f"/bank/interchange/imports/{job.pk}/").status_code == 403
    assert client.post(f"/bank/interchange/imports/{job.pk}/", {"skip_unsupported": "on"}).status_code == 403
    assert client.get("/bank/interchange/imports/999999/").status_code == 404


def test_an_authors_import_of_approved_items_lands_as_drafts(client, author, small_bank, media_root):
    from exams.interchange.export import bank_export

    data = bank_export(format="moodle").data
    Item.objects.all().delete()
    client.force_login(author)
    client.post("/bank/interchange/", {"file": SimpleUploadedFile("bank.xml", data)})
    job = ImportJob.objects.get()
    statuses = {i["ref"]: i["landing_status"] for i in job.preview["items"]}
    assert set(statuses.values()) == {"draft"}
    assert (
        "only program administrators keep the status"
        in client.get(f"/bank/interchange/imports/{job.pk}/").content.decode()
    )


def test_the_export_page_offers_four_downloads(client, program_admin, small_bank):
    client.force_login(program_admin)
    html = client.get("/bank/interchange/export/").content.decode()
    for code in ("qti3", "moodle", "gift", "csv"):
        assert f"/bank/interchange/export/{code}/" in html
    response = client.get("/bank/interchange/export/qti3/")
    assert response["Content-Disposition"].startswith('attachment; filename="certdesk-bank-')
    assert "imsmanifest.xml" in zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert b"<quiz>" in client.get("/bank/interchange/export/moodle/").content
    assert client.get("/bank/interchange/export/pdf/").status_code == 404
