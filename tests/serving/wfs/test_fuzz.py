"""An in-suite fuzzer: hypothesis-made WFS GET and POST requests against the real server.

Bounded for ``make test`` (300 examples in all, 10 s per request); the longer run is
``benchmarks/fuzz_wfs.py`` with the same strategies. Every answer must be below 500, in
time, a well-formed ``ows:ExceptionReport`` when it is an error, complete when it is data,
and free of stack traces and paths. The figures are printed at the end of the module (see
them with ``-s``).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings

from .fuzz_strategies import Tally, check, kvp_requests, xml_bodies

FUZZ = settings(max_examples=150, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])
TALLY = Tally()


@pytest.fixture(scope="module")
def http(server) -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client
    print(f"\n{TALLY.summary()}")


@FUZZ
@given(params=kvp_requests())
def test_fuzzed_get_requests_never_fail_the_server(http, server, params):
    check(http, TALLY, "GET", server, params=params)


@FUZZ
@given(body=xml_bodies())
def test_fuzzed_post_bodies_never_fail_the_server(http, server, body):
    check(http, TALLY, "POST", server, content=body,
          headers={"Content-Type": "text/xml"})
