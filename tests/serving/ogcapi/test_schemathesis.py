"""schemathesis against our own OpenAPI document, offline: the document says what is served.

The document is self-contained (no ``$ref`` leaves it), so schemathesis needs no network. Each
operation gets a bounded number of generated requests (8 per operation, 43 operations); every answer
must be a non-5xx whose status, content type, headers and body the document declares.

Left out on purpose: schemathesis' acceptance checks (``positive_data_acceptance``,
``negative_data_rejection``). A CQL2 filter, a CRS or an id is a string to OpenAPI, so a
"schema-valid" request is often a filter that does not parse (rightly a 400), and pygeoapi
accepts an unknown ``lang``/``profile`` by falling back to its default.
"""

from __future__ import annotations

import json

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance


@pytest.fixture(scope="session")
def ogc_openapi(ogc_base):
    """Our OpenAPI document as served; its ``servers`` URL is the test server's."""
    doc = httpx.get(f"{ogc_base}/ogc/openapi", params={"f": "json"}, timeout=30).json()
    loaded = schemathesis.openapi.from_dict(doc)
    loaded.config.update(base_url=f"{ogc_base}/ogc")
    return loaded


def test_the_openapi_document_refers_to_nothing_outside_itself(ogc):
    text = json.dumps(ogc.get("/openapi", params={"f": "json"}).json())
    refs = [r for r in text.split('"$ref": "')[1:] if not r.startswith("#")]
    assert refs == []


def test_every_answer_is_what_the_openapi_document_declares(ogc_openapi):
    # schemathesis' pytest plugin (4.32) does not run under pytest 9, so each operation's
    # strategy is driven here: the same checks, the same bounded generation.
    counts = {"operations": 0, "requests": 0, "4xx": 0}
    failures: list[str] = []
    for result in ogc_openapi.get_all_operations():
        operation = result.ok()
        counts["operations"] += 1

        @settings(max_examples=8, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            counts["requests"] += 1
            try:
                response = case.call_and_validate(
                    timeout=10, excluded_checks=[positive_data_acceptance,
                                                 negative_data_rejection])
            except AssertionError as exc:  # schemathesis' failure groups
                failures.append(f"{case.operation.label}: {str(exc)[:400]}")
                return
            counts["4xx"] += 400 <= response.status_code < 500

        run()
    print(f"schemathesis: {counts}")
    assert counts["operations"] > 30 and not failures, "\n".join(failures[:10])
