import pytest
from django.core.exceptions import ImproperlyConfigured

from certdesk.env import env_bool, env_int, env_list, env_str


def test_booleans_accept_the_usual_spellings(monkeypatch):
    monkeypatch.setenv("FLAG", "0")
    assert env_bool("FLAG", True) is False
    monkeypatch.setenv("FLAG", "yes")
    assert env_bool("FLAG", False) is True


def test_a_typo_in_a_boolean_is_a_configuration_error(monkeypatch):
    monkeypatch.setenv("FLAG", "ture")
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        env_bool("FLAG", False)


def test_a_number_that_is_not_a_number_is_a_configuration_error(monkeypatch):
    monkeypatch.setenv("SECONDS", "sixty")
    with pytest.raises(ImproperlyConfigured, match="SECONDS"):
        env_int("SECONDS", 60)


def test_lists_are_comma_separated_and_trimmed(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.example, b.example ,")
    assert env_list("HOSTS", []) == ["a.example", "b.example"]


def test_a_required_value_that_is_missing_is_named(monkeypatch):
    monkeypatch.delenv("MISSING_THING", raising=False)
    with pytest.raises(ImproperlyConfigured, match="MISSING_THING"):
        env_str("MISSING_THING")
