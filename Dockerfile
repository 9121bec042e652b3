FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
# The app and nothing else: the Jira simulator (jira_simulator/), the tests and the benchmarks
# are for development, and local files (.env, databases) stay out. A new top-level package the
# app imports goes here too (tests/pensero/test_production_image.py runs the app from this
# list's files).
COPY manage.py ./
COPY pensero pensero
COPY integrations integrations
COPY analytics analytics
COPY templates templates
COPY static static
# Collect static files at build time with throwaway keys (no secret is baked in).
RUN SECRET_KEY=build FIELD_ENCRYPTION_KEYS=YnVpbGQtb25seS1rZXktdW51c2VkLWF0LXJ1bnRpbWU= \
    python manage.py collectstatic --noinput
RUN useradd --create-home app
USER app
EXPOSE 8000
CMD ["gunicorn", "pensero.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
