"""Plain values for a certificate's credential, as the Certificate model will pass them."""

from datetime import UTC, datetime

from certificates.credential import CompetencyCovered, credential_build

PUBLIC_URL = "https://certdesk.example"
ISSUER_DID = "did:web:certdesk.example"


def certificate_credential(**overrides) -> dict:
    values = dict(
        issuer_id=ISSUER_DID,
        issuer_name="Certdesk Certification Body",
        issuer_url=PUBLIC_URL,
        certificate_url=f"{PUBLIC_URL}/verify/Qm9vLWJvby1jZXJ0aWZpY2F0ZQ",
        certificate_number="CSS-2026-000042",
        holder_name="Sofia Marin",
        holder_email="sofia.marin@example.org",
        holder_email_salt="5f1c0de0c0ffee5a17",
        program_code="CSS",
        program_name="Customer Support Specialist",
        program_url=f"{PUBLIC_URL}/programs/CSS",
        standard="HDI Customer Support Specialist",
        level="Specialist",
        competencies=[
            CompetencyCovered("CSS-1.1", "Active listening"),
            CompetencyCovered("CSS-2.3", "Incident logging and prioritisation"),
        ],
        criteria_narrative="Passed the proctored CSS examination with a score at or above the cut score.",
        valid_from=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        valid_until=datetime(2029, 3, 1, 9, 30, tzinfo=UTC),
        status_list_index=4242,
        revocation_list_url=f"{PUBLIC_URL}/status/revocation/1",
        suspension_list_url=f"{PUBLIC_URL}/status/suspension/1",
    )
    values.update(overrides)
    return credential_build(**values)
