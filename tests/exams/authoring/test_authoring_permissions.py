"""Who may open the authoring pages: authors, reviewers and program administrators; nobody else."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

OUTSIDERS = ["candidate", "proctor", "outsider"]


@pytest.fixture
def urls(make_item):
    item = make_item()
    version = item.current_version
    return [
        ("get", reverse("exams:bank")),
        ("post", reverse("exams:bank_bulk")),
        ("get", reverse("exams:item_create")),
        ("get", reverse("exams:item_detail", args=[item.pk])),
        ("get", reverse("exams:item_edit", args=[item.pk])),
        ("post", reverse("exams:item_transition", args=[item.pk, version.pk])),
        ("post", reverse("exams:item_preview")),
        ("post", reverse("exams:asset_upload")),
        ("get", reverse("exams:review_queue")),
    ]


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_candidates_proctors_and_outsiders_get_403_on_every_authoring_page(client, personas, urls, persona):
    client.force_login(personas[persona])
    for method, url in urls:
        response = getattr(client, method)(url, {"comment": "x", "action": "approve"} if method == "post" else None)
        assert response.status_code == 403, (persona, method, url)


def test_anonymous_visitors_are_sent_to_sign_in(client, urls):
    for method, url in urls:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login")), url


@pytest.mark.parametrize("persona", ["author", "reviewer", "program_admin"])
def test_bank_staff_open_the_browser_and_the_item_page(client, personas, make_item, persona):
    item = make_item()
    client.force_login(personas[persona])
    assert client.get(reverse("exams:bank")).status_code == 200
    assert client.get(reverse("exams:item_detail", args=[item.pk])).status_code == 200


@pytest.mark.parametrize(("persona", "status"), [("author", 200), ("program_admin", 200), ("reviewer", 403)])
def test_only_authors_and_administrators_write_items(client, personas, persona, status, competency):
    client.force_login(personas[persona])
    assert client.get(reverse("exams:item_create")).status_code == status


@pytest.mark.parametrize(("persona", "status"), [("reviewer", 200), ("author", 403), ("program_admin", 403)])
def test_only_reviewers_open_the_review_queue(client, personas, persona, status):
    client.force_login(personas[persona])
    assert client.get(reverse("exams:review_queue")).status_code == status
