FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY . .
ENV DJANGO_SETTINGS_MODULE=config.settings.production
# Throwaway values: collectstatic needs settings to load, not to be right.
RUN DJANGO_SECRET_KEY=build FIELD_ENCRYPTION_KEY=build SITE_URL=http://build REDIS_URL=redis://build \
    DJANGO_ALLOWED_HOSTS=* DATABASE_URL=sqlite:////tmp/x.db \
    python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
