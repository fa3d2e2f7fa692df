import re

import pytest
from django.core import mail

from accounts.models import User
from accounts.roles import Role
from candidates.models import CandidateProfile

pytestmark = pytest.mark.django_db

SIGN_UP = {
    "email": "maya.lindqvist@example.org",
    "legal_name": "Maya Elin Lindqvist",
    "time_zone": "Europe/Stockholm",
    "password1": "Harbour-Ticket-2291",
    "password2": "Harbour-Ticket-2291",
    "agree": "on",
}


@pytest.fixture
def sign_up(client, django_capture_on_commit_callbacks):
    def post(**overrides):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/register/", {**SIGN_UP, **overrides})

    return post


def _link(message) -> str:
    return re.search(r"http://testserver(/register/confirm/\S+/)", message.body).group(1)


def test_registration_creates_an_inactive_candidate_and_emails_a_link(sign_up):
    response = sign_up()
    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    user = User.objects.get(email=SIGN_UP["email"])
    assert not user.is_active and user.has_role(Role.CANDIDATE)
    assert user.candidate_profile.legal_name == "Maya Elin Lindqvist"
    assert user.candidate_profile.time_zone == "Europe/Stockholm"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [SIGN_UP["email"]]


def test_the_link_confirms_signs_in_and_opens_the_dashboard(client, sign_up):
    sign_up()
    response = client.get(_link(mail.outbox[0]), follow=True)
    assert response.redirect_chain[-1][0] == "/candidate/"
    assert "Maya Elin Lindqvist" in response.content.decode()
    user = User.objects.get(email=SIGN_UP["email"])
    assert user.is_active and user.candidate_profile.email_confirmed_at is not None


def test_an_unconfirmed_account_cannot_sign_in(client, sign_up):
    sign_up()
    assert not client.login(username=SIGN_UP["email"], password=SIGN_UP["password1"])


def test_a_tampered_link_is_refused(client, sign_up):
    sign_up()
    response = client.get(_link(mail.outbox[0]).replace(":", ";", 1) + "x/")
    assert response.status_code in (400, 404)
    assert not User.objects.get(email=SIGN_UP["email"]).is_active


def test_a_second_account_with_the_same_email_is_refused_and_names_the_field(sign_up):
    sign_up()
    response = sign_up(legal_name="Someone Else")
    assert "email" in response.context["form"].errors
    assert User.objects.filter(email=SIGN_UP["email"]).count() == 1


def test_the_form_names_each_wrong_field(sign_up):
    response = sign_up(time_zone="Mars/Olympus", password2="different", agree="")
    errors = response.context["form"].errors
    assert {"time_zone", "password2", "agree"} <= set(errors)
    assert not User.objects.filter(email=SIGN_UP["email"]).exists()


def test_resending_says_the_same_for_unknown_addresses(client, sign_up, django_capture_on_commit_callbacks):
    sign_up()
    mail.outbox.clear()
    known = client.post("/register/resend/", {"email": SIGN_UP["email"]})
    unknown = client.post("/register/resend/", {"email": "nobody@example.org"})
    assert len(mail.outbox) == 1
    assert known.status_code == unknown.status_code == 200
    assert known.content.decode().replace(SIGN_UP["email"], "X") == unknown.content.decode().replace(
        "nobody@example.org", "X"
    )


def test_the_candidate_edits_the_legal_name_and_time_zone(client, candidate):
    CandidateProfile.objects.create(user=candidate, legal_name="Sofia Marin")
    client.force_login(candidate)
    response = client.post("/candidate/profile/", {"legal_name": "Sofía Marín Ortega", "time_zone": "Europe/Madrid"})
    assert response.status_code == 302
    candidate.candidate_profile.refresh_from_db()
    assert candidate.candidate_profile.legal_name == "Sofía Marín Ortega"


@pytest.mark.parametrize("persona", ["author", "reviewer", "proctor", "program_admin", "outsider"])
def test_candidate_pages_are_for_candidates(client, personas, persona):
    client.force_login(personas[persona])
    for url in ["/candidate/", "/candidate/profile/", "/candidate/accommodations/"]:
        assert client.get(url).status_code == 403, url
