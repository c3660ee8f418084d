# One image for web, worker, worker-documents and beat (docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=backend.config.settings.production \
    XUETU_VAR_DIR=/var/lib/xuetu

# LibreOffice (headless) and CJK fonts turn agreements into PDF; python3-uno drives the warm converter;
# poppler renders pages for the signing screen.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libreoffice-writer-nogui python3-uno fonts-noto-cjk fonts-wqy-zenhei poppler-utils gettext \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .
COPY . .
# collectstatic needs the production settings to load (they refuse to without their variables); it touches no
# database, broker or certificate, so throw-away values do. None of them stays in the image.
RUN mkdir -p /var/lib/xuetu \
 && DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    DJANGO_ALLOWED_HOSTS=build DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    XUETU_PUBLIC_URL=https://build.invalid XUETU_SEALING_PKCS12=/nonexistent XUETU_SEALING_PASSPHRASE=build \
      python manage.py collectstatic --no-input -v0

RUN useradd --system --home /var/lib/xuetu xuetu && chown -R xuetu /var/lib/xuetu
USER xuetu
EXPOSE 8000
CMD ["gunicorn", "backend.config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120"]
