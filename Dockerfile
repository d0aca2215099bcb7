# VLOK public-data publisher: one image for the daily/monthly jobs and the web server.
#   docker build -t vlok-publisher .
#   docker run -p 5000:5000 -v vlok-data:/app/data vlok-publisher                 # serve
#   docker run -v vlok-data:/app/data -e VLOK_STORE_URL=postgresql+psycopg://… \
#              vlok-publisher vlok-publisher publish                               # daily job
# The package reads mappings/ and config/ from the source tree, so the tree lives at /app and
# is installed in place (editable) into /opt/venv.
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# Build stage only (npm fetches the viewer's vendored JavaScript); the Debian release pins
# the versions, an exact pin would break on every point release.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md pygeoapi-config.yml ./
COPY config ./config
COPY mappings ./mappings
COPY publisher ./publisher
RUN python -m venv /opt/venv && /opt/venv/bin/pip install -e .
# Vendor the viewer's JavaScript (Leaflet) from npm at build time: nothing from a CDN at run time.
RUN /opt/venv/bin/python -m publisher.serving.viewer.build --if-missing

FROM python:3.11-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 VLOK_LOG_FORMAT=json \
    VLOK_STORE_URL=sqlite:////app/data/vlok.sqlite VLOK_PUBLICATION_DIR=/app/data/publication
RUN useradd --create-home --uid 10001 vlok
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
RUN mkdir -p /app/data && chown vlok:vlok /app/data
USER 10001
VOLUME ["/app/data"]
EXPOSE 5000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:5000/health').status != 200)"]
CMD ["vlok-publisher", "serve", "--host", "0.0.0.0", "--port", "5000"]
