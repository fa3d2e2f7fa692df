"""System checks: a deployment that cannot sign certificates should say so at start-up, not at the first pass."""

from django.conf import settings
from django.core.checks import Error, register

from certificates.did import DidError, configured_public_url, did_web_from_url
from certificates.keys import SETTING, SigningKeyError, configured_signing_keys, key_ring_read


@register("certdesk")
def check_signing_keys(app_configs=None, **kwargs) -> list[Error]:
    configured = configured_signing_keys()
    if not configured:
        if settings.DEBUG:
            return []  # a development key ring is generated under var/ on first use
        return [
            Error(
                "No signing keys for certificates.",
                hint=f"Set {SETTING} to a key file made with `python manage.py signing_key_create --out FILE`.",
                id="certdesk.E001",
            )
        ]
    try:
        key_ring_read(configured)
    except SigningKeyError as error:
        return [Error(f"The certificate signing keys cannot be used: {error}", id="certdesk.E002")]
    return []


@register("certdesk")
def check_public_url(app_configs=None, **kwargs) -> list[Error]:
    value = configured_public_url()
    if not value and settings.DEBUG:
        return []
    hint = "Set PUBLIC_URL to the https address the site is served under; the issuer's did:web is made from it."
    if not value.startswith("https://") and not settings.DEBUG:
        return [Error("PUBLIC_URL must be an https address in production.", hint=hint, id="certdesk.E003")]
    try:
        did_web_from_url(value)
    except DidError as error:
        return [Error(f"PUBLIC_URL cannot name the issuer: {error}", hint=hint, id="certdesk.E003")]
    return []
