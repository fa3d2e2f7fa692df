from django.conf import settings
from django.core.checks import Error, register


@register()
def verification_settings_check(app_configs, **kwargs):
    errors = []
    for name, hint in [
        ("VERIFY_RATE_LIMIT", "Lookups a minute per client address; 0 turns the limit off."),
        ("VERIFY_PROXY_COUNT", "How many reverse proxies append to X-Forwarded-For; 0 when clients connect directly."),
    ]:
        value = getattr(settings, name, 0)
        if not isinstance(value, int) or value < 0:
            errors.append(
                Error(f"{name} must be a whole number, 0 or more (got {value!r}).", hint=hint, id="verification.E001")
            )
    return errors
