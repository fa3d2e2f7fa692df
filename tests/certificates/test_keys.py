"""Signing keys: Multikey encodings, the key ring forms, the development default and the system checks."""

import json
import os
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import CommandError, call_command

from certificates.checks import check_public_url, check_signing_keys
from certificates.keys import (
    KeyRing,
    SigningKey,
    SigningKeyError,
    issuer_key_ring,
    key_ring_read,
    key_ring_write,
    signing_key_from_multibase,
    signing_key_generate,
)
from certificates.management.commands.signing_key_create import Command as SigningKeyCreate

W3C_PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
W3C_SECRET = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"


def test_the_w3c_secret_key_gives_the_w3c_public_key():
    key = signing_key_from_multibase(secret=W3C_SECRET)
    assert key.public_key_multibase == W3C_PUBLIC
    assert key.secret_key_multibase == W3C_SECRET


def test_a_generated_key_encodes_as_multikey():
    key = signing_key_generate()
    assert key.public_key_multibase.startswith("z6Mk")
    assert key.secret_key_multibase.startswith("z3u2")
    again = signing_key_from_multibase(secret=key.secret_key_multibase, public=key.public_key_multibase)
    assert again.verifies(key.sign(b"certificate"), b"certificate")


def test_a_public_key_that_does_not_match_its_secret_is_refused():
    with pytest.raises(SigningKeyError, match="does not belong"):
        signing_key_from_multibase(secret=W3C_SECRET, public=signing_key_generate().public_key_multibase)


def test_a_ring_whose_newest_key_is_retired_cannot_sign():
    retired = SigningKey(public_key=signing_key_generate().public_key)
    with pytest.raises(SigningKeyError, match="newest"):
        KeyRing((signing_key_generate(), retired))


def test_the_newest_key_of_a_json_ring_signs_and_older_ones_are_kept(tmp_path):
    old, new = signing_key_generate(), signing_key_generate()
    path = tmp_path / "ring.json"
    key_ring_write(KeyRing((SigningKey(public_key=old.public_key), new)), path)
    ring = key_ring_read(str(path))
    assert [key.public_key_multibase for key in ring.keys] == [old.public_key_multibase, new.public_key_multibase]
    assert ring.current.public_key_multibase == new.public_key_multibase
    assert not ring.keys[0].can_sign
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_a_pem_ring_is_read_in_file_order(tmp_path):
    old, new = signing_key_generate(), signing_key_generate()
    pem = old.public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    pem += new.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path = tmp_path / "ring.pem"
    path.write_bytes(pem)
    ring = key_ring_read(str(path))
    assert [key.public_key_multibase for key in ring.keys] == [old.public_key_multibase, new.public_key_multibase]
    assert ring.current.can_sign


def test_inline_keys_are_read_oldest_first():
    old, new = signing_key_generate(), signing_key_generate()
    ring = key_ring_read(f"{old.public_key_multibase}, {new.secret_key_multibase}")
    assert ring.current.public_key_multibase == new.public_key_multibase
    assert len(ring.keys) == 2


def test_an_unreadable_key_file_names_the_file(tmp_path):
    with pytest.raises(SigningKeyError, match="missing.json"):
        key_ring_read(str(tmp_path / "missing.json"))
    broken = tmp_path / "broken.json"
    broken.write_text('{"keys": [{"secretKeyMultibase": "z3u2nope"}]}')
    with pytest.raises(SigningKeyError):
        key_ring_read(str(broken))


def test_development_keys_are_generated_once_under_var_when_debug_is_on(settings, tmp_path):
    settings.DEBUG = True
    settings.VAR_DIR = tmp_path
    settings.CERTDESK_SIGNING_KEYS = ""
    first = issuer_key_ring()
    assert (tmp_path / "keys" / "development-signing-keys.json").exists()
    assert issuer_key_ring().current.public_key_multibase == first.current.public_key_multibase


def test_without_keys_production_refuses_to_sign(settings, tmp_path):
    settings.DEBUG = False
    settings.VAR_DIR = tmp_path
    settings.CERTDESK_SIGNING_KEYS = ""
    with pytest.raises(SigningKeyError, match="CERTDESK_SIGNING_KEYS"):
        issuer_key_ring()
    assert not (tmp_path / "keys").exists()


def test_system_check_reports_missing_keys_in_production_as_e001(settings):
    settings.DEBUG = False
    settings.CERTDESK_SIGNING_KEYS = ""
    assert [error.id for error in check_signing_keys()] == ["certdesk.E001"]


def test_system_check_reports_unusable_keys_as_e002(settings, tmp_path):
    settings.DEBUG = False
    settings.CERTDESK_SIGNING_KEYS = str(tmp_path / "missing.json")
    assert [error.id for error in check_signing_keys()] == ["certdesk.E002"]


def test_system_check_passes_with_a_key_file_or_in_development(settings, tmp_path):
    path = tmp_path / "ring.json"
    key_ring_write(KeyRing((signing_key_generate(),)), path)
    settings.DEBUG = False
    settings.CERTDESK_SIGNING_KEYS = str(path)
    assert check_signing_keys() == []
    settings.DEBUG = True
    settings.CERTDESK_SIGNING_KEYS = ""
    assert check_signing_keys() == []


def test_system_check_wants_an_https_public_url_in_production(settings):
    settings.DEBUG = False
    settings.PUBLIC_URL = "http://certdesk.example"
    assert [error.id for error in check_public_url()] == ["certdesk.E003"]
    settings.PUBLIC_URL = "https://certdesk.example"
    assert check_public_url() == []


def test_signing_key_create_writes_a_private_key_ring(tmp_path):
    path = tmp_path / "keys" / "ring.json"
    call_command(SigningKeyCreate(), "--out", str(path))
    ring = key_ring_read(str(path))
    assert len(ring.keys) == 1 and ring.current.can_sign
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_signing_key_create_never_overwrites_a_key(tmp_path):
    path = tmp_path / "ring.json"
    call_command(SigningKeyCreate(), "--out", str(path))
    before = path.read_text()
    with pytest.raises(CommandError, match="already exists"):
        call_command(SigningKeyCreate(), "--out", str(path))
    assert path.read_text() == before


def test_rotation_adds_a_new_signing_key_and_keeps_the_old_one_for_verification(tmp_path):
    path = tmp_path / "ring.json"
    call_command(SigningKeyCreate(), "--out", str(path))
    old = key_ring_read(str(path)).current.public_key_multibase
    call_command(SigningKeyCreate(), "--out", str(path), "--rotate", "--retire-old-secrets")
    ring = key_ring_read(str(path))
    assert [key.public_key_multibase for key in ring.keys][0] == old
    assert ring.current.public_key_multibase != old
    assert not ring.keys[0].can_sign
    assert "secretKeyMultibase" not in json.loads(path.read_text())["keys"][0]
