"""Autosave's one-statement path: as cheap as a bare upsert, and never a way around the checks.

The process remembers an attempt's ids once it has answered for it; these tests answer once
first so that every later request takes the remembered path.
"""

import json

import pytest
from django.test import Client
from django.urls import reverse

from exams import delivery
from exams.models.delivery import Attempt, AttemptStatus, Response
from tests.candidates.exam.conftest import position_of, run_out_of_time


def answer(client, attempt, position, value, seq):
    return client.post(
        reverse("candidates:exam_answer", args=[attempt.public_id]),
        json.dumps({"position": position, "value": value, "flagged": False, "seq": seq}),
        content_type="application/json",
    )


def test_a_known_attempt_stores_an_answer_in_one_statement(started, candidate_client, django_assert_num_queries):
    single, truefalse = position_of(started, "single"), position_of(started, "truefalse")
    assert answer(candidate_client, started, single, [1], seq=1).json()["stored"] is True
    # The user, and one statement that checks the attempt, stores and moves to the item; the
    # sign-in session comes from the cache (it is read from the database only when not there).
    with django_assert_num_queries(2):
        reply = answer(candidate_client, started, truefalse, [2], seq=1)
    assert reply.status_code == 200 and reply.json()["stored"] is True and 0 < reply.json()["remaining_seconds"] <= 1800
    assert Attempt.objects.get(pk=started.pk).current_position == truefalse


def test_another_candidate_is_refused_an_attempt_this_process_knows(started, candidate_client, other_candidate):
    single = position_of(started, "single")
    answer(candidate_client, started, single, [1], seq=1)
    intruder = Client()
    intruder.force_login(other_candidate)
    reply = answer(intruder, started, single, [2], seq=2)
    assert reply.status_code == 404 and reply.json()["reason"] == "not_found"
    assert Response.objects.get(attempt=started).value == [1]


def test_a_second_browser_is_refused_after_the_first_has_answered(started, candidate, candidate_client):
    single = position_of(started, "single")
    answer(candidate_client, started, single, [1], seq=1)
    second = Client()
    second.force_login(candidate)
    reply = answer(second, started, single, [2], seq=2)
    assert reply.status_code == 409 and reply.json()["reason"] == "wrong_device"
    assert Response.objects.get(attempt=started).value == [1]


def test_a_pause_after_answers_refuses_the_next_until_resumed(started, candidate_client, proctor):
    single = position_of(started, "single")
    answer(candidate_client, started, single, [1], seq=1)
    delivery.attempt_pause(attempt=started, by=proctor, reason="fire alarm")
    refused = answer(candidate_client, started, single, [2], seq=2)
    assert refused.status_code == 409 and refused.json()["reason"] == "paused"
    assert Response.objects.get(attempt=started).value == [1]
    delivery.attempt_resume(attempt=started, by=proctor, reason="all clear")
    assert answer(candidate_client, started, single, [2], seq=2).json()["stored"] is True


def test_time_up_after_answers_refuses_the_next_and_submits(started, candidate_client):
    single = position_of(started, "single")
    answer(candidate_client, started, single, [1], seq=1)
    run_out_of_time(started, 30)
    refused = answer(candidate_client, started, single, [2], seq=2)
    assert refused.status_code == 409 and refused.json()["reason"] == "time_up"
    assert Attempt.objects.get(pk=started.pk).status in (AttemptStatus.SCORED, AttemptStatus.RELEASED)
    assert Response.objects.get(attempt=started).value == [1]


def test_bad_and_older_answers_to_a_known_attempt_get_the_full_reply(started, candidate_client):
    single, ordering = position_of(started, "single"), position_of(started, "ordering")
    answer(candidate_client, started, single, [1], seq=3)
    older = answer(candidate_client, started, single, [2], seq=2)
    assert older.status_code == 200 and older.json()["stored"] is False and older.json()["seq"] == 3
    bad = answer(candidate_client, started, ordering, [1], seq=1)
    assert bad.status_code == 400 and "Put every step in order." in bad.json()["message"]
    missing = answer(candidate_client, started, 99, [1], seq=1)
    assert missing.status_code == 400 and "no question 99" in missing.json()["message"]
    assert list(Response.objects.filter(attempt=started).values_list("value", "client_seq")) == [([1], 3)]


def test_without_postgresql_every_answer_takes_the_checked_path(started, candidate_client, monkeypatch):
    from django.db import connection

    single = position_of(started, "single")
    answer(candidate_client, started, single, [1], seq=1)
    # The one-statement upsert is PostgreSQL's own SQL; `make run` answers on SQLite.
    monkeypatch.setattr(connection, "vendor", "sqlite")
    assert (
        delivery.response_save_if_live(
            attempt_id=started.pk,
            candidate_id=started.candidate_id,
            form_id=started.form_id,
            position=single,
            value=[2],
            flagged=False,
            client_seq=2,
            driver=started.driver,
        )
        is None
    )
    reply = answer(candidate_client, started, single, [2], seq=2)
    assert reply.status_code == 200 and reply.json()["stored"] is True and reply.json()["event"] > 0
    assert Response.objects.get(attempt=started).value == [2]


@pytest.mark.django_db(transaction=True)
def test_on_a_persistent_connection_the_statement_is_prepared_once_and_a_lost_one_is_not_missed(
    started, candidate_client
):
    from django.db import connection

    single, truefalse = position_of(started, "single"), position_of(started, "truefalse")
    assert answer(candidate_client, started, single, [1], seq=1).json()["stored"] is True
    # Outside a transaction, on a connection that outlives the request: prepared on it.
    assert connection.settings_dict["CONN_MAX_AGE"] != 0
    assert connection._answer_prepared_on is connection.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name = %s", [delivery._ANSWER_STATEMENT])
        assert cursor.fetchone()[0] == 1
        # The server forgets it (as after a pooler hands out another server connection).
        cursor.execute(f"DEALLOCATE {delivery._ANSWER_STATEMENT}")

    reply = answer(candidate_client, started, truefalse, [2], seq=1)
    assert reply.status_code == 200 and reply.json()["stored"] is True  # the plain statement stored it
    assert answer(candidate_client, started, single, [2], seq=2).json()["stored"] is True  # prepared again
    assert connection._answer_prepared_on is connection.connection
    stored = dict(Response.objects.filter(attempt=started).values_list("form_item__position", "value"))
    assert stored == {single: [2], truefalse: [2]}
