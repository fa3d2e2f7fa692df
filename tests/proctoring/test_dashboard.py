"""The live dashboard: one row per candidate, refreshed by htmx with a fixed number of queries."""

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from candidates.models import AccommodationRequest
from proctoring import selectors, services
from proctoring.integrity import events_record
from tests.candidates.exam.conftest import book, key_of
from tests.proctoring.factories import fill_session

# Sign-in (user and roles; the session itself comes from the cache), the exam session, and the six
# of selectors._rows.
ROWS_QUERIES = 9


def rows_queries(client, session) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("proctoring:session_rows", args=[session.pk]))
    assert response.status_code == 200
    return len(queries)


def test_the_refresh_costs_the_same_queries_for_3_candidates_as_for_60(started, session_now, proctor, proctor_client):
    fill_session(session_now, 2, started.form.items.all(), admitted_by=proctor, prefix="few")
    few = rows_queries(proctor_client, session_now)
    fill_session(session_now, 58, started.form.items.all(), admitted_by=proctor, prefix="many")
    many = rows_queries(proctor_client, session_now)
    assert few == many == ROWS_QUERIES
    body = proctor_client.get(reverse("proctoring:session_rows", args=[session_now.pk])).content.decode()
    assert body.count('data-testid="row-') == 61 and 'hx-swap-oob="true"' in body


def test_a_row_shows_state_progress_time_connection_events_incidents_and_accommodations(
    started, candidate, candidate_client, proctor
):
    AccommodationRequest.objects.create(
        candidate=candidate,
        extra_time_percent=25,
        other_arrangements="Screen reader",
        reason="Low vision",
        evidence="accommodations/x.pdf",
        status="approved",
    )
    candidate_client.post(
        reverse("candidates:exam_answer", args=[started.public_id]),
        json.dumps({"position": 1, "value": key_of(started, 1), "flagged": False, "seq": 1}),
        content_type="application/json",
    )
    candidate_client.post(reverse("candidates:exam_heartbeat", args=[started.public_id]))
    events_record(attempt=started, events=[{"kind": "left_page"}] * 3)

    (row,) = selectors.dashboard(started.session).rows
    assert (row.name, row.state, row.state_label) == ("Sofia Marin", "in_progress", "In progress")
    assert (row.answered, row.total, row.online) == (1, 4, True)
    assert row.remaining.count(":") == 1 and 28 <= int(row.remaining.split(":")[0]) <= 30
    assert [e["label"] for e in row.recent] == ["Left the exam tab or window"] * 3 and row.event_total == 3
    assert row.open_incidents == 1 and row.attention
    assert row.accommodation == "+25% time · Screen reader"

    services.proctor_pause(attempt=started, by=proctor, reason="Break")
    (row,) = selectors.dashboard(started.session).rows
    assert row.paused and row.state_label == "Paused"


def test_the_groups_filter_the_rows_and_count_every_group(started, session_now, other_candidate, proctor):
    book(session_now, other_candidate)
    board = selectors.dashboard(session_now, show="waiting")
    assert [r.name for r in board.rows] == ["Jonah Price"]
    assert board.rows[0].state_label == "Not arrived" and board.rows[0].can_admit
    assert board.counts["all"] == 2 and board.counts["live"] == 1 and board.counts["waiting"] == 1
    assert [r.name for r in selectors.dashboard(session_now, show="live").rows] == ["Sofia Marin"]


def test_the_dashboard_page_polls_its_rows(started, session_now, proctor_client):
    page = proctor_client.get(reverse("proctoring:session", args=[session_now.pk])).content.decode()
    rows_url = reverse("proctoring:session_rows", args=[session_now.pk])
    assert f'hx-get="{rows_url}?show=all"' in page and 'hx-trigger="every 2s"' in page
    assert "vendor/htmx/htmx.min.js" in page and f'data-testid="row-{started.public_id}"' in page
