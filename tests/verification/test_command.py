"""`manage.py verify_credential`: offline, from files, with exit codes a script can branch on."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from certificates import services as certificate_services
from certificates.credential import credential_sign
from certificates.did import did_document, issuer_did, issuer_did_document
from certificates.keys import KeyRing, signing_key_generate
from certificates.status_list import StatusPurpose
from tests.conftest import ROOT
from tests.verification.test_pdf_check import pdf_of, with_attachment


@pytest.fixture
def files(issued, tmp_path):
    """What an employer saves: the credential, the PDF, the DID document and both status lists."""
    (tmp_path / "credential.json").write_text(issued.credential_json)
    (tmp_path / "certificate.pdf").write_bytes(pdf_of(issued))
    (tmp_path / "did.json").write_text(json.dumps(issuer_did_document()))
    return tmp_path


def status_list_files(folder) -> list[str]:
    paths = []
    for purpose in StatusPurpose.ALL:
        path = folder / f"{purpose}.json"
        path.write_text(json.dumps(certificate_services.status_list_credential(purpose)))
        paths += ["--status-list", str(path)]
    return paths


def run(*args) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("verify_credential", *[str(arg) for arg in args], stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


def test_a_genuine_credential_and_its_pdf_are_valid_without_any_network(files, no_network):
    lists = status_list_files(files)
    code, output = run(files / "credential.json", "--did", files / "did.json", *lists)
    assert code == 0, output
    assert "revocation checked; suspension checked" in output and "VALID: genuine and current" in output
    code, output = run(files / "certificate.pdf", "--did", files / "did.json", *lists)
    assert code == 0 and "Printed:     matches the credential" in output, output


def test_without_status_lists_it_says_revocation_was_not_checked(files, no_network):
    code, output = run(files / "credential.json", "--did", files / "did.json")
    assert code == 0 and "revocation, suspension NOT checked" in output


def test_a_tampered_credential_is_invalid(files, no_network):
    credential = json.loads((files / "credential.json").read_text())
    credential["credentialSubject"]["name"] = "Someone Else"
    (files / "tampered.json").write_text(json.dumps(credential))
    code, output = run(files / "tampered.json", "--did", files / "did.json")
    assert code == 1 and "signature does not match" in output and "INVALID" in output


def test_a_credential_signed_with_a_key_not_in_the_did_document_is_invalid(files, issued, no_network):
    credential = json.loads(issued.credential_json)
    del credential["proof"]
    forged = credential_sign(credential, key_ring=KeyRing((signing_key_generate(),)))
    (files / "forged.json").write_text(json.dumps(forged))
    code, output = run(files / "forged.json", "--did", files / "did.json")
    assert code == 1 and "is not one of the issuer's keys" in output
    (files / "other-did.json").write_text(json.dumps(did_document(did=issuer_did(), keys=[signing_key_generate()])))
    code, output = run(files / "credential.json", "--did", files / "other-did.json")
    assert code == 1 and "is not one of the issuer's keys" in output


def test_an_untrusted_issuer_is_invalid_even_with_its_own_did_document(files, issued, no_network, settings):
    settings.PUBLIC_URL = "https://elsewhere.example"  # this deployment is now another issuer
    code, output = run(files / "credential.json", "--did", files / "did.json")
    assert code == 1 and "did:web:certdesk.example (NOT trusted)" in output
    code, _output = run(files / "credential.json", "--did", files / "did.json", "--trust", "did:web:certdesk.example")
    assert code == 0


def test_a_revoked_or_suspended_certificate_exits_2_given_the_status_lists(files, issued, program_admin, no_network):
    certificate_services.certificate_suspend(certificate=issued, by=program_admin, reason="investigation")
    code, output = run(files / "credential.json", "--did", files / "did.json", *status_list_files(files))
    assert code == 2 and "SUSPENDED" in output
    certificate_services.certificate_revoke(certificate=issued, by=program_admin, reason="fraud")
    code, output = run(files / "credential.json", "--did", files / "did.json", *status_list_files(files))
    assert code == 2 and "REVOKED" in output and "has been revoked" in output


def test_an_expired_certificate_exits_3(files, issued, no_network):
    lists = status_list_files(files)
    with time_machine.travel(issued.valid_until + timedelta(days=1)):
        code, output = run(files / "credential.json", "--did", files / "did.json", *lists)
    assert code == 3 and "EXPIRED" in output


def test_a_pdf_with_a_swapped_attachment_is_invalid(files, issued, other_issued, no_network):
    (files / "swapped.pdf").write_bytes(with_attachment(pdf_of(issued), other_issued.credential_json))
    code, output = run(files / "swapped.pdf", "--did", files / "did.json")
    assert code == 1 and "DOES NOT match" in output and "holder's name" in output


def test_unreadable_input_is_invalid_with_a_reason(files, tmp_path):
    (tmp_path / "junk.json").write_text("{not json")
    assert run(tmp_path / "junk.json")[0] == 1
    code, output = run(tmp_path / "missing.pdf")
    assert code == 1 and "Cannot read" in output


def test_the_command_runs_as_a_program_with_sockets_disabled(files, settings, key_ring):
    """The real command line, in a process whose every socket call fails: exit status 0, then 1."""
    block = (
        "import socket\n"
        "def refuse(*a, **k): raise OSError('network disabled for this test')\n"
        "socket.socket.connect = socket.socket.connect_ex = refuse\n"
        "socket.create_connection = socket.getaddrinfo = refuse\n"
        "import sys; from django.core.management import execute_from_command_line\n"
        "execute_from_command_line(['manage.py', 'verify_credential', *sys.argv[1:]])\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "certdesk.settings",
        "PUBLIC_URL": settings.PUBLIC_URL,
        "CERTDESK_SIGNING_KEYS": key_ring.current.secret_key_multibase,
        "REDIS_URL": "",
    }
    env.pop("DATABASE_URL", None)

    def program(*args):
        return subprocess.run(
            [sys.executable, "-c", block, *map(str, args)], cwd=ROOT, env=env, capture_output=True, text=True
        )

    genuine = program(files / "certificate.pdf", *status_list_files(files))
    assert genuine.returncode == 0, genuine.stdout + genuine.stderr
    credential = json.loads((files / "credential.json").read_text())
    credential["validFrom"] = "2020-01-01T00:00:00Z"
    (files / "tampered.json").write_text(json.dumps(credential))
    tampered = program(files / "tampered.json")
    assert tampered.returncode == 1 and "INVALID" in tampered.stderr
