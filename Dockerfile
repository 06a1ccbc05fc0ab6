# syntax=docker/dockerfile:1
# The chat server as deployed: scripts/serve (uvicorn with WEB_CONCURRENCY workers) run by a
# non-root user, every dependency installed at build time. docker-compose.yml runs it with
# PostgreSQL, the migrations and (profile devllm) the development LLM; see README.

ARG PYTHON_IMAGE=python:3.11-slim

# --- build: the dependencies in a virtual environment, copied whole into the runtime stage ---
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src
# pyproject.toml alone first: the slow layer below is rebuilt when the dependencies change, not
# on every change to the code. The project itself is not installed: it runs from /app.
COPY pyproject.toml ./
RUN python -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb")); print("\n".join(p["project"]["dependencies"]))' > requirements.txt \
    && /opt/venv/bin/pip install -r requirements.txt

# --- runtime ---------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
# NO_VENV=1: scripts/manage uses this Python as it is instead of making .venv (see
# scripts/_venv.sh). HOST and PORT are where scripts/serve listens.
ENV PATH=/opt/venv/bin:$PATH \
    VIRTUAL_ENV=/opt/venv \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    NO_VENV=1 \
    HOST=0.0.0.0 \
    PORT=8000
RUN useradd --system --user-group --uid 10001 --home-dir /app --no-create-home chat
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY manage.py ./
COPY scripts/ scripts/
COPY config/ config/
COPY accounts/ accounts/
COPY chat/ chat/
COPY anonymous_chat/ anonymous_chat/
COPY moderation/ moderation/
COPY web/ web/
# Compiled once here, as root: the user that runs the server cannot write to /app.
RUN python -m compileall -q config accounts chat anonymous_chat moderation web
# No collectstatic: WhiteNoise serves the static files (the pages', the admin's and the bundled
# Swagger UI's) straight from the apps through Django's finders (config/settings.py:
# WHITENOISE_USE_FINDERS, STATIC_ROOT None), so there is no collected copy to build or forget.
# Numeric, so that an orchestrator's run-as-non-root check can verify it.
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request as r; r.urlopen('http://127.0.0.1:${PORT}/api/health/', timeout=4)"
CMD ["scripts/serve"]
