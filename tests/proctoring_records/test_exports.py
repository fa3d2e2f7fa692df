"""The proctoring record as exports: the session's (and an attempt's) log as CSV, one row per entry
in stable columns with formula-looking cells neutralised, and the session report as a PDF."""

import csv
import io
import re
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.roles import Role
from proctoring import records, reports, services
from proctoring.tasks import session_report_task
from tests.conftest import make_user
from tests.exams.sessions.factories import give_profile
from tests.proctoring_records.conftest import client_for, take

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="proctoring-log-')
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_session_log_csv_has_one_row_per_entry_in_stable_columns(sofia, jonah, session, proctor):
    rows = csv_rows(client_for(proctor).get(reverse("proctoring:session_log_csv", args=[session.pk])))

    assert rows[0] == ["time_utc", "attempt_public_id", "candidate", "kind", "source", "detail", "actor", "decision"]
    entries = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert len(entries) == len(records.session_record(session).entries)
    kinds = Counter(e["kind"] for e in entries)
    assert kinds["event.left_page"] == 3 and kinds["event.copy_paste"] == 1
    assert kinds["incident.left_page"] == 1 and kinds["admission"] == 2 and kinds["note"] == 1
    assert kinds["action.flag"] == 1
    # Every candidate's routine steps are in their summary line of the report, not in the session's log.
    assert not {"action.book", "action.check_in", "action.start", "action.submit", "action.score"} & set(kinds)

    incident = next(e for e in entries if e["kind"] == "incident.left_page")
    # A public id may start with "-", which a spreadsheet would read as a formula: guarded like any cell.
    public_id = "'" + sofia.public_id if sofia.public_id.startswith("-") else sofia.public_id
    assert (incident["attempt_public_id"], incident["candidate"], incident["source"], incident["decision"]) == (
        public_id,
        "Sofia Marin",
        "system",
        "open",
    )
    assert all(e["decision"] == "open" for e in entries if e["kind"] == "event.left_page")
    flag = next(e for e in entries if e["kind"] == "action.flag")
    assert (flag["candidate"], flag["source"], flag["actor"]) == ("Jonah Price", "proctor", "Tomas Alvarez")
    assert flag["detail"] == "Flagged for review: Notes on the desk."
    late = next(e for e in entries if e["kind"] == "admission" and e["candidate"] == "Sofia Marin")
    assert "arrived 30 min after the window opened" in late["detail"]
    assert next(e for e in entries if e["kind"] == "event.copy_paste")["source"] == "browser"

    times = [e["time_utc"] for e in entries]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", t) for t in times)
    assert times == sorted(times)


def test_decisions_and_the_review_appear_in_the_attempts_csv(sofia, proctor, other_proctor):
    incident = sofia.incidents.get()
    services.incident_decide(incident=incident, by=proctor, outcome="referred", reason="Looked away repeatedly.")
    services.review_void(attempt=sofia, by=other_proctor, reason="The recording shows a second screen.")

    rows = csv_rows(client_for(proctor).get(reverse("proctoring:attempt_log_csv", args=[sofia.public_id])))
    entries = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    by_kind = {e["kind"]: e for e in entries}

    assert by_kind["decision.referred"]["actor"] == "Tomas Alvarez"
    assert by_kind["decision.referred"]["decision"] == "referred"
    assert by_kind["incident.left_page"]["decision"] == "referred"
    review = by_kind["review.voided"]
    assert (review["source"], review["actor"], review["decision"]) == ("reviewer", "Nadia Kern", "voided")
    assert review["detail"].endswith("The recording shows a second screen.")
    assert by_kind["action.void"]["source"] == "reviewer"
    assert {e["candidate"] for e in entries} == {"Sofia Marin"}
    assert {"action.check_in", "action.start", "action.submit"} <= set(by_kind)  # an attempt's own log is whole


def test_csv_cells_a_spreadsheet_would_run_as_a_formula_are_neutralised(session, proctor):
    mallory = make_user("mallory", Role.CANDIDATE, first_name="Mal", last_name="Lory")
    give_profile(mallory, legal_name='=HYPERLINK("http://evil.example","open")')
    plotter = make_user("plotter", Role.PROGRAM_ADMIN, first_name="@SUM(1+1)*cmd|' /C calc'!A0", last_name="X")
    attempt = take(session, mallory, proctor, events=("copy_paste",))
    services.note_add(session=session, attempt=attempt, by=plotter, text="+1 watched the door")

    rows = csv_rows(client_for(proctor).get(reverse("proctoring:session_log_csv", args=[session.pk])))

    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    assert '\'=HYPERLINK("http://evil.example","open")' in cells
    assert "'@SUM(1+1)*cmd|' /C calc'!A0 X" in cells


def test_a_requested_session_report_is_rendered_by_the_worker_and_stored(
    sofia, jonah, session, proctor, private_reports, django_capture_on_commit_callbacks
):
    client = client_for(proctor)
    url = reverse("proctoring:session_reports", args=[session.pk])

    with django_capture_on_commit_callbacks() as queued:
        assert client.post(url).status_code == 302
        assert client.post(url).status_code == 302  # a second click while it is prepared queues nothing
    assert len(queued) == 1
    waiting = client.get(url)
    assert 'data-testid="report-pending"' in waiting.content.decode()

    # What the worker's task does with the queued ids.
    session_report_task.apply(args=[session.pk, proctor.pk]).get()

    page = client.get(url, headers={"HX-Request": "true"})
    assert 'data-testid="report-pending"' not in page.content.decode()
    [report] = page.context["reports"]
    download = client.get(reverse("proctoring:session_report", args=[session.pk, report.filename]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith('attachment; filename="session-report-REC-T-')
    assert b"".join(download.streaming_content).startswith(b"%PDF-")


def test_the_session_report_is_a_paginated_pdf_with_facts_candidates_and_log(
    sofia, jonah, session, program_admin, no_network
):
    pdf = records.session_report_pdf(session, by=program_admin)

    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata.title.startswith("Proctoring session report: REC-T")
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    text = " ".join(pages)
    for expected in [
        "Proctoring session report",
        "REC-T — Policies and procedures specialist",
        "Test centre · Room 4.12, Lisbon centre",
        "Proctor Tomas Alvarez",
        "admitted 2 (late 1)",
        "Sofia Marin",
        "Jonah Price",
        "Copied, cut or pasted ×1",
        "Open: no decision yet",
        "100.0 % (passed), held",
        "Phone rang at the desk.",
        "Notes on the desk.",
        "Generated",
        "Amara Okafor",
    ]:
        assert expected in text, expected
    assert len(pages) >= 2
    for number, page in enumerate(pages, 1):
        assert f"Page {number} of {len(pages)}" in page
        assert "certdesk · Proctoring session report · REC-T" in page


def test_only_the_sessions_own_stored_reports_can_be_downloaded(session, proctor, other_proctor, private_reports):
    stored = reports.session_report_store(session_id=session.pk, by_id=proctor.pk)
    url = reverse("proctoring:session_report", args=[session.pk, stored.filename])

    assert client_for(other_proctor).get(url).status_code == 404
    folder = reverse("proctoring:session_reports", args=[session.pk])
    for name in ["..%2F..%2Fsecret.pdf", "x.pdf", stored.filename.replace(".pdf", ".PDF"), f".{stored.filename}.part"]:
        assert client_for(proctor).get(folder + name).status_code == 404, name
    assert client_for(proctor).get(url).status_code == 200


def test_a_session_keeps_its_newest_five_reports(session, proctor, private_reports):
    moments = [timezone.now() - timedelta(minutes=m) for m in (60, 50, 40, 30, 20, 10)]
    for moment in moments:
        reports.session_report_store(session_id=session.pk, by_id=proctor.pk, now=moment)
    kept = reports.session_reports(session)
    assert [r.generated_at for r in kept] == [m.replace(microsecond=0) for m in reversed(moments[1:])]


@pytest.mark.parametrize(
    "who, status",
    [
        ("proctor", 200),
        ("program_admin", 200),
        ("other_proctor", 404),
        ("reviewer", 403),
        ("author", 403),
        ("candidate", 403),
        ("outsider", 403),
    ],
)
def test_the_session_exports_are_for_its_proctor_and_program_administrators(
    personas, other_proctor, session, who, status
):
    user = other_proctor if who == "other_proctor" else personas[who]
    client = client_for(user)
    assert client.get(reverse("proctoring:session_log_csv", args=[session.pk])).status_code == status
    assert client.get(reverse("proctoring:session_reports", args=[session.pk])).status_code == status


def test_signed_out_visitors_are_sent_to_sign_in_for_an_export(client, session):
    response = client.get(reverse("proctoring:session_reports", args=[session.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_an_attempts_csv_is_for_its_proctors_and_for_reviewers_while_it_is_reviewable(
    sofia, session, other_proctor, candidate, program_admin
):
    url = reverse("proctoring:attempt_log_csv", args=[sofia.public_id])
    assert client_for(other_proctor).get(url).status_code == 200  # held: another proctor may review it
    assert client_for(candidate).get(url).status_code == 403
    services.review_uphold(attempt=sofia, by=program_admin, reason="Verified on the recording.")
    assert client_for(other_proctor).get(url).status_code == 200  # decided by a review: still on record

    lone = take(session, make_user("lone", Role.CANDIDATE), session.proctor)  # released at once, never held
    assert (
        client_for(other_proctor).get(reverse("proctoring:attempt_log_csv", args=[lone.public_id])).status_code == 404
    )
    assert (
        client_for(program_admin).get(reverse("proctoring:attempt_log_csv", args=[lone.public_id])).status_code == 200
    )


def test_the_session_record_takes_as_many_queries_for_five_candidates_as_for_two(sofia, jonah, session, proctor):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            records.session_record(session)
        return len(queries)

    two = count()
    for n in range(3):
        take(session, make_user(f"extra{n}", Role.CANDIDATE), proctor, events=("left_page", "copy_paste"), note="ok")
    assert count() == two
