"""A fixed issuer for the certificate library tests: its own key ring and public URL, no database."""

import socket

import pytest

from certificates.keys import KeyRing, signing_key_generate
from tests.certificates.builders import PUBLIC_URL


@pytest.fixture(scope="session")
def key_ring():
    return KeyRing((signing_key_generate(),))


@pytest.fixture
def issuer(settings, key_ring):
    """This deployment as the issuer: PUBLIC_URL and inline signing keys, as production would set them."""
    settings.PUBLIC_URL = PUBLIC_URL
    settings.CERTDESK_SIGNING_KEYS = key_ring.current.secret_key_multibase
    settings.CERTDESK_TRUSTED_ISSUERS = []
    return key_ring


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test: signing and verifying must work offline."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"Network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
