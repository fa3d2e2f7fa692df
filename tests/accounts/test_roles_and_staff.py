from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from accounts.models import AccountEvent, Invitation, User
from accounts.roles import Role
from tests.conftest import PASSWORD

STAFF_URLS = ["/accounts/staff/", "/accounts/staff/invite/"]


def test_the_five_role_groups_exist(db):
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Candidate",
        "Author",
        "Reviewer",
        "Proctor",
        "Program administrator",
    }


@pytest.mark.parametrize("persona", ["candidate", "author", "reviewer", "proctor", "outsider"])
def test_only_program_administrators_open_the_staff_pages(client, personas, persona):
    client.force_login(personas[persona])
    for url in STAFF_URLS + [f"/accounts/staff/{personas['author'].pk}/roles/"]:
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/accounts/staff/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=/accounts/staff/")


def test_an_administrator_sees_staff_with_their_roles(client, program_admin, author, candidate):
    client.force_login(program_admin)
    html = client.get("/accounts/staff/").content.decode()
    assert "Lena Fischer" in html and "Author" in html
    assert "Sofia Marin" not in html  # candidates are not staff


@pytest.fixture
def invite(client, django_capture_on_commit_callbacks):
    def post(**overrides):
        data = {"email": "new.proctor@example.org", "first_name": "Nia", "last_name": "Osei", "roles": ["Proctor"]}
        data.update(overrides)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/accounts/staff/invite/", data)

    return post


def test_an_invitation_emails_a_link_that_creates_the_account_with_the_roles(client, invite, program_admin):
    client.force_login(program_admin)
    response = invite(roles=["Proctor", "Reviewer"])
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="new.proctor@example.org")
    assert len(mail.outbox) == 1
    assert invitation.token in mail.outbox[0].body
    assert "Proctor" in mail.outbox[0].body

    client.logout()
    link = f"/accounts/invitation/{invitation.token}/"
    response = client.post(link, {"username": "nia", "password1": "Queue-Lantern-77", "password2": "Queue-Lantern-77"})
    assert response.status_code == 302
    user = User.objects.get(username="nia")
    assert user.email == "new.proctor@example.org"
    assert user.has_role(Role.PROCTOR) and user.has_role(Role.REVIEWER)
    assert not user.has_role(Role.PROGRAM_ADMIN)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    kinds = list(AccountEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["invited", "invitation_accepted"]
    # The link works once.
    assert client.get(link).status_code == 410


def test_an_invitation_token_is_long_and_random(client, invite, program_admin):
    client.force_login(program_admin)
    invite()
    invite(email="second@example.org")
    first, second = Invitation.objects.order_by("id")
    assert len(first.token) >= 40 and first.token != second.token


def test_an_expired_invitation_cannot_be_used(client, invite, program_admin):
    client.force_login(program_admin)
    invite()
    invitation = Invitation.objects.get()
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    client.logout()
    response = client.post(
        f"/accounts/invitation/{invitation.token}/",
        {"username": "nia", "password1": "Queue-Lantern-77", "password2": "Queue-Lantern-77"},
    )
    assert response.status_code == 410
    assert not User.objects.filter(username="nia").exists()


def test_an_unknown_invitation_token_is_404(client, db):
    assert client.get("/accounts/invitation/not-a-real-token/").status_code == 404


def test_a_revoked_invitation_cannot_be_used(client, invite, program_admin):
    client.force_login(program_admin)
    invite()
    invitation = Invitation.objects.get()
    assert client.post(f"/accounts/staff/invitations/{invitation.pk}/revoke/").status_code == 302
    assert client.get(f"/accounts/invitation/{invitation.token}/").status_code == 410


def test_inviting_an_existing_address_names_the_email_field(client, invite, program_admin, author):
    client.force_login(program_admin)
    response = invite(email=author.email)
    assert response.status_code == 200
    assert "already exists" in response.context["form"].errors["email"][0]
    assert not Invitation.objects.exists()


def test_an_invitation_needs_a_role(client, invite, program_admin):
    client.force_login(program_admin)
    response = invite(roles=[])
    assert "roles" in response.context["form"].errors


def test_a_weak_password_is_refused_when_accepting(client, invite, program_admin):
    client.force_login(program_admin)
    invite()
    token = Invitation.objects.get().token
    client.logout()
    weak = {"username": "nia", "password1": "12345678", "password2": "12345678"}
    response = client.post(f"/accounts/invitation/{token}/", weak)
    assert response.status_code == 200
    assert "password1" in response.context["form"].errors
    assert not User.objects.filter(username="nia").exists()


def test_an_administrator_changes_roles_and_it_is_audited(client, program_admin, author):
    client.force_login(program_admin)
    response = client.post(f"/accounts/staff/{author.pk}/roles/", {"roles": ["Author", "Reviewer"]})
    assert response.status_code == 302
    author = User.objects.get(pk=author.pk)
    assert author.has_role(Role.REVIEWER)
    event = AccountEvent.objects.get(kind=AccountEvent.Kind.ROLES_CHANGED)
    assert event.detail == {"added": ["Reviewer"], "removed": []}
    assert event.actor == program_admin


def test_an_administrator_cannot_remove_their_own_administrator_role(client, program_admin):
    client.force_login(program_admin)
    response = client.post(f"/accounts/staff/{program_admin.pk}/roles/", {"roles": ["Author"]})
    assert response.status_code == 200
    assert "own Program administrator role" in str(response.context["form"].errors)
    assert User.objects.get(pk=program_admin.pk).has_role(Role.PROGRAM_ADMIN)


def test_people_sign_in_with_username_or_email(client, author):
    assert client.login(username="author", password=PASSWORD)
    client.logout()
    assert client.login(username="AUTHOR@example.org", password=PASSWORD)


def test_password_reset_sends_a_working_link(client, author):
    response = client.post("/accounts/password/reset/", {"email": author.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/password/reset/" in line)
    path = link.split("testserver", 1)[1]
    response = client.get(path, follow=True)
    assert response.status_code == 200
    set_path = response.redirect_chain[-1][0]
    response = client.post(set_path, {"new_password1": "Fresh-Harbour-908", "new_password2": "Fresh-Harbour-908"})
    assert response.status_code == 302
    assert client.login(username="author", password="Fresh-Harbour-908")


def test_navigation_shows_each_role_its_pages(client, program_admin, author):
    client.force_login(author)
    assert "Staff and roles" not in client.get("/").content.decode()
    client.force_login(program_admin)
    assert "Staff and roles" in client.get("/").content.decode()


def test_forms_carry_csrf_protection(db, program_admin):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(program_admin)
    response = strict.post("/accounts/staff/invite/", {"email": "x@example.org", "roles": ["Author"]})
    assert response.status_code == 403


def test_navigation_lights_only_the_entry_whose_page_is_the_longest_prefix(client, reviewer):
    import re

    client.force_login(reviewer)
    page = client.get("/bank/review/").content.decode()
    active = re.findall(r'<a[^>]*class="[^"]*\bactive\b[^"]*"[^>]*>\s*([^<]+?)\s*<', page)
    assert active == ["Review queue"]
