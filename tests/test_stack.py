"""The suite runs on the real stack: PostgreSQL, Redis and a real Celery worker."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from certdesk.tasks import health_report_task
from certificates.keys import signing_key_generate

ROOT = Path(__file__).resolve().parent.parent


def test_the_suite_runs_on_postgresql(db):
    assert connection.vendor == "postgresql"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_task_goes_through_a_real_worker_on_redis_and_comes_back(celery_worker_process, settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    result = health_report_task.delay()
    report = result.get(timeout=60)
    assert report == {"database": "postgresql", "cache": True, "worker": True}


def _production_env() -> dict:
    skip = {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}  # the last is for browser tests only
    env = {key: value for key, value in os.environ.items() if key not in skip}
    for line in (ROOT / "deploy" / "production.env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = value.strip('"')
    env.update(SECRET_KEY=secrets.token_urlsafe(50), DEBUG="0", ALLOWED_HOSTS="certdesk.example")
    # The example names a key file on the server; here a fresh inline key stands in for it.
    env["CERTDESK_SIGNING_KEYS"] = signing_key_generate().secret_key_multibase
    return env


def test_check_deploy_is_clean_with_the_production_example():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_with_the_development_secret_key():
    env = _production_env()
    env.pop("SECRET_KEY")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_health_endpoint_reports_database_and_cache(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "postgresql", "cache": True}


def test_the_cache_is_the_shared_redis_with_one_client_per_pool(settings):
    from django.core.cache import caches

    from certdesk.cache import SharedClientRedisCache

    cache = caches["default"]

    assert settings.CACHES["default"]["LOCATION"].startswith("redis://")
    assert isinstance(cache, SharedClientRedisCache)
    key = f"stack-test:{secrets.token_hex(4)}"
    cache.set(key, {"items": [1, 2]}, 30)
    assert cache.get(key) == {"items": [1, 2]}
    assert cache.add(f"{key}:n", 0) and cache.incr(f"{key}:n") == 1
    # The same client serves every call: no redis.Redis is built per call.
    assert cache._cache.get_client(key) is cache._cache.get_client(f"{key}:other")
    cache.delete_many([key, f"{key}:n"])
    assert cache.get(key) is None
