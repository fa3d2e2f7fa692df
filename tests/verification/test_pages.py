"""The public verification pages, the JSON API and the holder's privacy page over HTTP."""

import re

import pytest
from django.test import override_settings

from certificates import services as certificate_services
from certificates.status_list import StatusPurpose
from tests.conftest import PASSWORD
from verification import services
from verification.models import FailedLookup
from verification.openapi import VERIFICATION_FIELDS


def _as(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


def _status_attribute(response) -> str:
    return re.search(rb'data-testid="status" data-status="(\w+)"', response.content).group(1).decode()


def test_the_qr_code_address_shows_the_certificate_in_large_words_and_keeps_search_engines_out(client, issued):
    response = client.get(f"/verify/{issued.public_id}")
    assert response.status_code == 200
    assert _status_attribute(response) == "valid" and b"Valid" in response.content
    for text in [
        "Sofia Marin",
        issued.number,
        "Policies and procedures specialist",
        "CSPSP-1",
        "did:web:certdesk.example",
    ]:
        assert text.encode() in response.content, text
    assert b"candidate@example.org" not in response.content
    assert b'<meta name="robots" content="noindex, nofollow">' in response.content
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]


def test_a_revoked_certificate_says_so_with_the_date_but_not_the_reason(client, issued, program_admin):
    certificate_services.certificate_revoke(certificate=issued, by=program_admin, reason="impersonation at the exam")
    response = client.get(f"/verify/{issued.public_id}")
    assert _status_attribute(response) == "revoked"
    assert b"Revoked on" in response.content and b"impersonation" not in response.content


def test_the_search_form_leads_to_the_number_and_the_surname_to_the_details(client, issued):
    found = client.get("/verify/", {"identifier": f"https://certdesk.example/verify/{issued.public_id}"})
    assert found.status_code == 302 and found["Location"] == f"/verify/{issued.public_id}"
    by_number = client.get(client.get("/verify/", {"identifier": issued.number})["Location"])
    assert _status_attribute(by_number) == "valid" and b"Sofia" not in by_number.content
    assert b"Policies and procedures specialist" in by_number.content
    with_surname = client.get("/verify/", {"identifier": issued.number, "surname": "Marin"}, follow=True)
    assert b"Sofia Marin" in with_surname.content
    empty = client.get("/verify/", {"identifier": "  "})
    assert empty.status_code == 200 and b"This field is required" in empty.content


def test_unknown_hidden_and_malformed_identifiers_get_the_same_404(client, issued):
    services.visibility_set(certificate=issued, by=issued.holder, hidden=True)
    paths = ["AAAAAAAAAAAAAAAAAAAAAA", issued.public_id, issued.number, "%3Cscript%3E", "a/b", f"{issued.public_id}/"]
    pages = [client.get(f"/verify/{path}") for path in paths]
    assert {page.status_code for page in pages} == {404}
    assert len({page.content for page in pages}) == 1
    answers = [client.get(f"/api/v1/verify/{path}") for path in paths]
    assert {answer.status_code for answer in answers} == {404}
    assert len({answer.content for answer in answers}) == 1 and answers[0].json()["error"] == "not_found"
    assert FailedLookup.objects.filter(reason="hidden").count() == 4
    assert set(FailedLookup.objects.values_list("reason", flat=True)) == {"unknown", "hidden", "malformed"}


def test_the_101st_lookup_in_a_minute_from_one_address_gets_429(client, issued):
    for _ in range(100):
        assert client.get("/verify/AAAAAAAAAAAAAAAAAAAAAA").status_code == 404
    refused = client.get(f"/verify/{issued.public_id}")
    assert refused.status_code == 429 and refused["Retry-After"] == "60"
    assert b"Too many lookups" in refused.content
    api = client.get(f"/api/v1/verify/{issued.public_id}")
    assert api.status_code == 429 and api.json()["error"] == "rate_limited"
    assert FailedLookup.objects.filter(reason="rate-limited").count() == 1
    other = client.get(f"/verify/{issued.public_id}", REMOTE_ADDR="192.0.2.44")
    assert other.status_code == 200


def test_the_api_answers_with_exactly_the_documented_fields(client, issued):
    answer = client.get(f"/api/v1/verify/{issued.public_id}")
    data = answer.json()
    assert answer.status_code == 200 and set(data) == set(VERIFICATION_FIELDS)
    assert answer["Access-Control-Allow-Origin"] == "*" and "no-store" in answer["Cache-Control"]
    assert (data["status"], data["holder_name"], data["certificate_number"]) == ("valid", "Sofia Marin", issued.number)
    assert (data["issued_on"], data["expires_on"]) == (issued.issued_on.isoformat(), issued.expires_on.isoformat())
    assert (data["program"], data["level"]) == ("Policies and procedures specialist", "")
    by_number = client.get(f"/api/v1/verify/{issued.number}").json()
    assert by_number["status"] == "valid" and by_number["holder_name"] is None and set(by_number) == set(data)
    assert client.get(f"/api/v1/verify/{issued.number}", {"surname": "marin"}).json()["holder_name"] == "Sofia Marin"
    refused = client.post(f"/api/v1/verify/{issued.public_id}")
    assert refused.status_code == 405 and refused.json()["error"] == "method_not_allowed"


def test_the_page_and_the_api_agree_on_the_status(client, issued, program_admin):
    certificate_services.certificate_suspend(certificate=issued, by=program_admin, reason="under investigation")
    page = client.get(f"/verify/{issued.public_id}")
    assert _status_attribute(page) == client.get(f"/api/v1/verify/{issued.public_id}").json()["status"] == "suspended"


def test_the_openapi_schema_and_its_human_page_are_served(client, pipeline):
    schema = client.get("/api/v1/openapi.json")
    data = schema.json()
    assert schema.status_code == 200 and data["openapi"] == "3.1.0" and "ETag" in schema
    assert "/api/v1/verify/{identifier}" in data["paths"] and data["servers"] == [{"url": "https://certdesk.example"}]
    assert client.get("/api/v1/openapi.json", HTTP_IF_NONE_MATCH=schema["ETag"]).status_code == 304
    docs = client.get("/verify/api/")
    assert (
        docs.status_code == 200
        and b"holder_name" in docs.content
        and b"/api/v1/credentials/{identifier}" in docs.content
    )


def test_the_credential_and_the_status_lists_are_cacheable_with_etags(client, issued):
    credential = client.get(f"/api/v1/credentials/{issued.public_id}")
    assert credential.status_code == 200 and credential.content.decode() == issued.credential_json
    assert credential["Content-Type"].startswith("application/vc+ld+json")
    assert "public" in credential["Cache-Control"] and "max-age=300" in credential["Cache-Control"]
    again = client.get(f"/api/v1/credentials/{issued.public_id}", HTTP_IF_NONE_MATCH=credential["ETag"])
    assert again.status_code == 304 and again["ETag"] == credential["ETag"]
    assert client.get(f"/api/v1/credentials/{issued.number}").status_code == 404  # the number alone never gives it
    for url in [f"/status-lists/{StatusPurpose.REVOCATION}", "/.well-known/did.json"]:
        first = client.get(url)
        assert first.status_code == 200 and first["ETag"] and "public" in first["Cache-Control"], url
        assert first["Access-Control-Allow-Origin"] == "*"
        assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304, url


def test_the_holder_hides_the_certificate_and_shares_a_link_instead(client, issued, candidate):
    _as(client, candidate)
    page = client.get(f"/verify/mine/{issued.public_id}/")
    assert page.status_code == 200 and b"Public." in page.content
    assert f"/verify/mine/{issued.public_id}/".encode() in client.get("/certificates/").content
    client.post(f"/verify/mine/{issued.public_id}/visibility/", {"hidden": "1"})
    assert client.get(f"/verify/{issued.public_id}").status_code == 404
    assert client.get(f"/api/v1/credentials/{issued.public_id}").status_code == 404
    bad = client.post(f"/verify/mine/{issued.public_id}/links/", {"days": "9999", "label": "Acme"})
    assert bad.status_code == 400 and b"Select a valid choice" in bad.content
    client.post(f"/verify/mine/{issued.public_id}/links/", {"days": "7", "label": "Acme HR"})
    sharing = client.get(f"/verify/mine/{issued.public_id}/")
    url = re.search(rb'value="https://certdesk\.example(/verify/shared/[\w-]+)"', sharing.content).group(1).decode()
    client.logout()
    shared = client.get(url)
    assert shared.status_code == 200 and b"Sofia Marin" in shared.content and _status_attribute(shared) == "valid"
    token = url.rsplit("/", 1)[-1]
    assert client.get(f"/api/v1/verify/shared/{token}").json()["holder_name"] == "Sofia Marin"


def test_nobody_else_reaches_the_holders_privacy_page(client, issued, other_candidate, program_admin):
    for user in [other_candidate, program_admin]:
        _as(client, user)
        assert client.get(f"/verify/mine/{issued.public_id}/").status_code == 404
        assert client.post(f"/verify/mine/{issued.public_id}/visibility/", {"hidden": "1"}).status_code == 404
    client.logout()
    assert client.get(f"/verify/mine/{issued.public_id}/")["Location"].startswith("/accounts/login/")
    assert client.get(f"/verify/{issued.public_id}").status_code == 200


def test_program_administrators_review_failed_lookups_and_nobody_else_does(client, candidate, program_admin):
    client.get("/verify/BBBBBBBBBBBBBBBBBBBBBB", REMOTE_ADDR="203.0.113.50")
    _as(client, candidate)
    assert client.get("/verify/lookups/").status_code == 403
    _as(client, program_admin)
    page = client.get("/verify/lookups/", {"reason": "unknown"})
    assert page.status_code == 200 and b"203.0.113.50" in page.content and b"BBBBBBBBBBBBBBBBBBBBBB" in page.content
    assert b"BBBBBBBBBBBBBBBBBBBBBB" not in client.get("/verify/lookups/", {"reason": "hidden"}).content


@override_settings(VERIFY_RATE_LIMIT=0)
def test_a_rate_limit_of_zero_means_no_limit(client, db):
    assert {client.get("/verify/AAAAAAAAAAAAAAAAAAAAAA").status_code for _ in range(105)} == {404}


@pytest.mark.parametrize("path", ["/verify/", "/verify/api/"])
def test_the_public_pages_need_no_sign_in(client, db, pipeline, path):
    assert client.get(path).status_code == 200
