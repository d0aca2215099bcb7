#!/usr/bin/env bash
# The Debian 12 packages `make test` needs, installed when missing, and PostgreSQL started.
# As root (a fresh machine, CI) it installs them; otherwise it says in one line what to run.
#   PostgreSQL 15 + PostGIS: the production store and publication target, tested for real;
#   gdal-bin: ogrinfo/ogr2ogr as WFS, OAPIF and GML clients in tests and downloads;
#   chromium: the viewer's browser tests (driven by Playwright's Python package);
#   nodejs/npm: the viewer's vendored JavaScript, from npm at install time;
#   python3-qgis: headless QGIS (Debian's /usr/bin/python3) adds our WMS, WFS and tiles in tests;
#   libreoffice-calc-nogui: opens the CSV downloads as a nl-BE spreadsheet user would.
set -euo pipefail

packages=()
dpkg -s postgresql-15 >/dev/null 2>&1 || packages+=(postgresql-15)
dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1 || packages+=(postgresql-15-postgis-3)
command -v ogr2ogr >/dev/null || packages+=(gdal-bin)
command -v chromium >/dev/null || packages+=(chromium)
command -v npm >/dev/null || packages+=(nodejs npm)
dpkg -s python3-qgis >/dev/null 2>&1 || packages+=(python3-qgis)
command -v soffice >/dev/null || packages+=(libreoffice-calc-nogui)

if [ ${#packages[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "make test needs Debian packages; run: sudo apt-get install -y ${packages[*]}" >&2
    exit 1
  fi
  echo "installing ${packages[*]} (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${packages[@]}" >/dev/null
fi

# The server must answer on 127.0.0.1:5432 (a reboot or a fresh install may leave it stopped).
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "make test needs PostgreSQL on 127.0.0.1:5432; run: sudo pg_ctlcluster 15 main start" >&2
    exit 1
  fi
  pg_ctlcluster --skip-systemctl-redirect 15 main start || true
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432 -q || { echo "PostgreSQL does not answer on 127.0.0.1:5432" >&2; exit 1; }
