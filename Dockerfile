# Warmline in a container: docs/operations.md ("Docker").
#
#   docker build -t warmline .
#   docker run -d --restart on-failure:5 -v warmline-data:/data \
#     -v "$PWD/config.toml:/config/config.toml:ro" --env-file secrets.env warmline
#
# The exact versions CI tests with (constraints.txt), every platform and PostgreSQL; runs as an
# unprivileged user; everything Warmline keeps is in /data (a volume): the SQLite database, its
# lock, -wal and -shm. A relative store URL (the default, sqlite:///warmline.db) lands there.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /opt/warmline/src
COPY pyproject.toml constraints.txt README.md LICENSE ./
COPY bot ./bot
COPY adapters ./adapters
RUN python -m venv /opt/warmline/venv \
    && /opt/warmline/venv/bin/pip install -c constraints.txt ".[discord,slack,postgres]" \
    && /opt/warmline/venv/bin/warmline --help > /dev/null

RUN groupadd --system --gid 10001 warmline \
    && useradd --system --uid 10001 --gid warmline --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin warmline \
    && mkdir -p /data /config \
    && chown warmline:warmline /data \
    && chmod 0700 /data

ENV PATH=/opt/warmline/venv/bin:$PATH
WORKDIR /data
VOLUME ["/data"]
USER warmline:warmline
# [ops] port, when the config turns it on (host = "0.0.0.0" to reach it from outside).
EXPOSE 9100

ENTRYPOINT ["warmline"]
CMD ["run", "--config", "/config/config.toml"]
