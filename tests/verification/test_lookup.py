"""What an identifier resolves to, what may be said about it, and the holder's privacy choices."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory, override_settings
from django.utils import timezone

from certificates import services as certificate_services
from certificates.models import Certificate
from verification import services
from verification.lookup import (
    Disclosure,
    PublicStatus,
    certificate_lookup,
    identifier_kind,
    public_status,
    register_entry,
    share_link_lookup,
    surname_matches,
)
from verification.models import FailedLookup, LookupFailure, ShareLink
from verification.ratelimit import client_address, lookup_allowed


def test_the_public_identifier_shows_every_public_fact_and_nothing_private(issued):
    lookup = certificate_lookup(issued.public_id)
    facts = lookup.facts
    assert facts.status == PublicStatus.VALID and facts.disclosure == Disclosure.FULL
    assert (facts.holder_name, facts.certificate_number) == ("Sofia Marin", issued.number)
    assert (facts.issued_on, facts.expires_on) == (issued.issued_on, issued.expires_on)
    assert facts.program == "Policies and procedures specialist" and facts.program_code == "CSPSP-T"
    assert facts.standard.startswith("Customer Support Policies")
    assert [competency.code for competency in facts.competencies] == ["CSPSP-1"]
    assert facts.issuer.did == "did:web:certdesk.example"
    serialised = str(facts.as_json())
    assert "example.org" not in serialised and "percent" not in serialised  # no email, no score


def test_the_number_alone_shows_status_and_program_and_the_surname_unlocks_the_rest(issued):
    limited = certificate_lookup(issued.number.lower()).facts
    assert limited.disclosure == Disclosure.LIMITED and limited.status == PublicStatus.VALID
    assert limited.program_code == "CSPSP-T"
    assert (limited.holder_name, limited.issued_on, limited.competencies, limited.issuer) == (None, None, None, None)

    wrong = certificate_lookup(issued.number, surname="Price")
    assert wrong.facts.disclosure == Disclosure.LIMITED and wrong.failure == LookupFailure.SURNAME
    assert certificate_lookup(issued.number, surname="  MARÍN ").facts.holder_name == "Sofia Marin"


@pytest.mark.parametrize(
    ("surname", "matches"),
    [("Ortega", True), ("marin ortega", True), ("Sofia Marin Ortega", True), ("Marin", False), ("Sofia", False),
     ("Orte", False), ("", False)],
)  # fmt: skip
def test_the_surname_must_be_the_end_of_the_printed_name(surname, matches):
    assert surname_matches("Sofia Marin Ortega", surname) is matches


@pytest.mark.parametrize(
    ("identifier", "kind"),
    [
        ("nv1M6oYegeoyO0FieRhl-Q", "public_id"),
        ("CSPSP-T-2026-000001", "number"),
        ("ABCDEFGHIJ-2026-000001", "either"),
        ("", ""),
        ("../../etc/passwd", ""),
        ("<script>", ""),
        ("x" * 500, ""),
    ],
)
def test_identifiers_are_told_apart_and_anything_else_is_malformed(identifier, kind):
    assert identifier_kind(identifier) == kind


def test_unknown_hidden_unfinished_and_malformed_all_find_nothing(issued, exam_program, other_candidate, program_admin):
    from tests.certificates.pipeline.conftest import attempt_take

    pending = Certificate.objects.get(attempt=attempt_take(exam_program, other_candidate, program_admin=program_admin))
    services.visibility_set(certificate=issued, by=issued.holder, hidden=True)
    outcomes = {
        "unknown": certificate_lookup("AAAAAAAAAAAAAAAAAAAAAA"),
        "hidden": certificate_lookup(issued.public_id),
        "hidden number": certificate_lookup(issued.number, surname="Marin"),
        "pending": certificate_lookup(pending.public_id),
        "malformed": certificate_lookup("not a code"),
    }
    assert all(not lookup.found for lookup in outcomes.values())
    assert outcomes["hidden"].failure == LookupFailure.HIDDEN and outcomes["pending"].failure == LookupFailure.UNKNOWN


def test_status_follows_revocation_suspension_and_the_expiry_date(issued, program_admin):
    assert public_status(register_entry(field="pk", value=issued.pk)) == PublicStatus.VALID
    assert public_status(register_entry(field="pk", value=issued.pk), today=issued.expires_on) == PublicStatus.EXPIRED
    certificate_services.certificate_suspend(certificate=issued, by=program_admin, reason="complaint")
    assert public_status(register_entry(field="pk", value=issued.pk)) == PublicStatus.SUSPENDED
    certificate_services.certificate_revoke(certificate=issued, by=program_admin, reason="fraud established")
    facts = certificate_lookup(issued.public_id).facts
    assert facts.status == PublicStatus.REVOKED and facts.status_changed_on == timezone.localdate()
    assert "fraud" not in str(facts.as_json())


def test_a_certificate_replaced_by_a_reissue_reads_revoked_and_its_reissue_valid(issued, program_admin):
    new = certificate_services.certificate_reissue(
        certificate=issued, by=program_admin, holder_name="Sofia Marin-Hale", reason="married name"
    )
    old = certificate_lookup(issued.public_id).facts
    assert old.status == PublicStatus.REVOKED and old.superseded is True
    certificate_services.certificate_process(certificate_id=new.pk)
    assert certificate_lookup(Certificate.objects.get(pk=new.pk).public_id).facts.status == PublicStatus.VALID


def test_a_share_link_works_while_hidden_until_it_expires_or_is_withdrawn(issued):
    holder = issued.holder
    services.visibility_set(certificate=issued, by=holder, hidden=True)
    link = services.share_link_create(certificate=issued, by=holder, days=7, label="Acme HR")
    shared = share_link_lookup(link.token)
    assert shared.found and shared.facts.holder_name == "Sofia Marin"
    assert ShareLink.objects.get(pk=link.pk).opened_count == 1
    with time_machine.travel(link.expires_at + timedelta(seconds=1)):
        assert share_link_lookup(link.token).failure == LookupFailure.LINK_EXPIRED
    services.share_link_withdraw(link=link, by=holder)
    assert share_link_lookup(link.token).failure == LookupFailure.LINK_EXPIRED
    assert share_link_lookup("A" * 32).failure == LookupFailure.UNKNOWN
    assert list(issued.events.values_list("action", flat=True))[-3:] == ["hide", "share", "share_withdraw"]


def test_only_the_holder_changes_privacy_and_bad_choices_change_nothing(issued, other_candidate):
    with pytest.raises(PermissionDenied):
        services.visibility_set(certificate=issued, by=other_candidate, hidden=True)
    with pytest.raises(PermissionDenied):
        services.share_link_create(certificate=issued, by=other_candidate, days=7)
    with pytest.raises(ValidationError) as error:
        services.share_link_create(certificate=issued, by=issued.holder, days=3650)
    assert "days" in error.value.error_dict
    assert not ShareLink.objects.exists() and certificate_lookup(issued.public_id).found


def test_hiding_twice_records_one_change(issued):
    services.visibility_set(certificate=issued, by=issued.holder, hidden=True)
    services.visibility_set(certificate=issued, by=issued.holder, hidden=True)
    assert issued.events.filter(action="hide").count() == 1


def test_active_share_links_are_capped(issued):
    for _ in range(services.MAX_ACTIVE_SHARE_LINKS):
        services.share_link_create(certificate=issued, by=issued.holder, days=7)
    with pytest.raises(ValidationError):
        services.share_link_create(certificate=issued, by=issued.holder, days=7)


@pytest.mark.django_db
def test_failed_lookups_are_forgotten_after_the_retention_period():
    services.failed_lookup_record(address="192.0.2.1", kind="page", reason="unknown", identifier="x")
    later = timezone.now() + timedelta(days=services.FAILED_LOOKUP_DAYS + 1)
    services.failed_lookup_record(address="192.0.2.2", kind="page", reason="unknown", identifier="y")
    assert services.failed_lookups_purge(now=later - timedelta(days=2)) == 0
    assert services.failed_lookups_purge(now=later) == 2 and not FailedLookup.objects.exists()


@override_settings(VERIFY_RATE_LIMIT=3)
def test_the_rate_limit_refuses_beyond_the_setting_and_flags_the_first_refusal_only():
    outcomes = [lookup_allowed("198.51.100.7") for _ in range(5)]
    assert outcomes == [(True, False)] * 3 + [(False, True), (False, False)]
    assert lookup_allowed("198.51.100.8") == (True, False)  # another address has its own count


def test_the_client_address_trusts_only_our_proxies_and_groups_ipv6_by_64():
    factory = RequestFactory()
    spoofed = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.9")
    assert client_address(spoofed) == "10.0.0.2"
    with override_settings(VERIFY_PROXY_COUNT=1):
        assert client_address(spoofed) == "203.0.113.9"
    assert client_address(factory.get("/", REMOTE_ADDR="2001:db8:1:2:3:4:5:6")) == "2001:db8:1:2::/64"
    assert client_address(factory.get("/", REMOTE_ADDR="::ffff:192.0.2.5")) == "192.0.2.5"


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
def test_a_counter_left_without_an_expiry_gets_one_so_the_address_is_not_locked_out_for_good():
    from django.core.cache import cache

    from verification.ratelimit import lookup_count

    cache.set("verify-rate:198.51.100.9", 0, timeout=None)  # as INCR leaves a key that expired under it
    assert lookup_count("198.51.100.9") == 1
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert cache.get("verify-rate:198.51.100.9") is None


@override_settings(VERIFY_RATE_LIMIT=-5)
def test_a_negative_rate_limit_is_a_configuration_error():
    from verification.checks import verification_settings_check

    (error,) = verification_settings_check(None)
    assert error.id == "verification.E001" and "VERIFY_RATE_LIMIT" in error.msg
