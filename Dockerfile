# Multi-stage: build a wheel-free virtualenv, then copy it into a slim runtime as non-root.
FROM python:3.11-slim AS build
WORKDIR /src
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY pyproject.toml README.md ./
COPY app ./app
RUN /opt/venv/bin/pip install .

FROM python:3.11-slim
# PYTHONPATH makes /srv/app (next to /srv/migrations) win over the installed copy.
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONPATH=/srv \
    GIGMARKET_DATABASE_URL=sqlite+aiosqlite:////data/gigmarket.db \
    GIGMARKET_SECRET_KEY_FILE=/data/.gigmarket-secret
RUN useradd --system --uid 10001 --home /srv gigmarket && mkdir -p /data && chown gigmarket /data
WORKDIR /srv
COPY --from=build /opt/venv /opt/venv
COPY alembic.ini ./
COPY migrations ./migrations
COPY app ./app
USER gigmarket
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
CMD ["gigmarket", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
