"""Install the viewer's front-end libraries from npm and copy their dist files into ``static/``.

Why a build step: the viewer must load nothing from a CDN (privacy, and a map that keeps working
when a third party does not), so Leaflet and leaflet.markercluster are served from
``static/vendor/`` (and, for browsers with WebGL, MapLibre GL JS with its Leaflet layer, which
draw the OGC API vector tiles). The versions are pinned in ``package.json``/``package-lock.json``;
``npm ci`` installs exactly the locked tree. Run it once when the product is set up::

    .venv/bin/python -m publisher.serving.viewer.build

It is idempotent: with ``--if-missing`` it does nothing when every vendored file is present.

axe-core (a dev dependency) is vendored the same way but into ``test_vendor/``, which the server
does not serve: only the browser tests inject it, to check the page against WCAG.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENDOR = HERE / "static" / "vendor"
#: Libraries only the tests use (not under ``static/``, so never served).
TEST_VENDOR = HERE / "test_vendor"

#: npm package → files (relative to the package) copied into ``static/vendor/<package>/``.
DIST_FILES: dict[str, tuple[str, ...]] = {
    "leaflet": ("dist/leaflet.js", "dist/leaflet.js.map", "dist/leaflet.css",
                "dist/images/layers.png", "dist/images/layers-2x.png",
                "dist/images/marker-icon.png", "dist/images/marker-icon-2x.png",
                "dist/images/marker-shadow.png", "LICENSE"),
    "leaflet.markercluster": ("dist/leaflet.markercluster.js",
                              "dist/leaflet.markercluster.js.map",
                              "dist/MarkerCluster.css", "dist/MarkerCluster.Default.css",
                              "MIT-LICENCE.txt"),
    # vector tiles where the browser has WebGL (static/vector.js): the CSP build, whose
    # worker is a file of ours (the default build starts its worker from a blob: URL, which
    # the page's Content-Security-Policy forbids), and the Leaflet layer that draws it
    "maplibre-gl": ("dist/maplibre-gl-csp.js", "dist/maplibre-gl-csp-worker.js",
                    "dist/maplibre-gl.css", "LICENSE.txt"),
    "@maplibre/maplibre-gl-leaflet": ("leaflet-maplibre-gl.js", "LICENSE"),
}
#: The same for the test-only libraries, copied into ``test_vendor/<package>/``.
TEST_FILES: dict[str, tuple[str, ...]] = {
    "axe-core": ("axe.min.js", "LICENSE"),
}
#: The accessibility engine the browser tests inject into the page.
AXE = TEST_VENDOR / "axe-core" / "axe.min.js"


def _targets() -> list[tuple[str, str, Path]]:
    """(package, file in the package, where it lands) for every vendored file."""
    return [(pkg, f, root / pkg / f.removeprefix("dist/"))
            for root, table in ((VENDOR, DIST_FILES), (TEST_VENDOR, TEST_FILES))
            for pkg, files in table.items() for f in files]


def vendored() -> list[Path]:
    """Where each vendored file lands (``dist/`` is dropped so CSS keeps ``images/`` beside)."""
    return [target for _, _, target in _targets()]


def is_built() -> bool:
    """Whether every vendored file is in place."""
    return all(p.is_file() for p in vendored())


def build(npm: str = "npm") -> None:
    """``npm ci`` in this directory, then copy the dist files into ``static/vendor/``."""
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=HERE,
                   check=True)
    for pkg, name, target in _targets():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(HERE / "node_modules" / pkg / name, target)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``[--if-missing]``."""
    args = sys.argv[1:] if argv is None else argv
    if "--if-missing" in args and is_built():
        return 0
    build()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
