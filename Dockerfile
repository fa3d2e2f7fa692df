# certdesk image: the web server, the Celery worker and beat all run from it.
FROM python:3.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# Pango and fonts for WeasyPrint (score reports and certificates), and HarfBuzz's font subsetter:
# without it WeasyPrint subsets with fontTools and a certificate costs five times the CPU.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    fonts-dejavu-core fonts-liberation \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml constraints.txt ./
COPY . .
RUN pip install -c constraints.txt . \
 && useradd --system --home /app certdesk \
 && mkdir -p /srv/certdesk/media /srv/certdesk/static /srv/certdesk/private \
 && chown -R certdesk /srv/certdesk
USER certdesk
EXPOSE 8000
CMD ["gunicorn", "certdesk.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--worker-tmp-dir", "/dev/shm", "--access-logfile", "-"]
