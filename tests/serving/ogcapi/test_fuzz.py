"""An in-suite fuzzer: hostile OGC API and lookup requests against the real app over HTTP.

Bounded so ``make test`` stays quick (300 examples in all, 10 s per request); the long run is
``benchmarks/fuzz_ogcapi.py``. Every answer must be a non-5xx in time, and every error a JSON
body with a message and no stack trace or server path (issue 11).
"""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, given, settings

from .fuzzing import ITEMS, LOOKUPS, OTHER, TIMEOUT, check_answer


def _bounded(examples: int) -> settings:
    """Reproducible (derandomized, no example database), no deadline: the server decides."""
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@pytest.fixture(scope="module")
def client(ogc_base):
    with httpx.Client(base_url=ogc_base, timeout=TIMEOUT) as http:
        yield http


def _ask(client: httpx.Client, path: str, params: list[tuple[str, str]]) -> None:
    try:
        response = client.get(path, params=params)
    except httpx.TimeoutException:
        pytest.fail(f"no answer within {TIMEOUT} s: {path} {params!r:.300}")
    problems = check_answer(response)
    assert not problems, (path, params, problems, response.text[:300])


@_bounded(180)
@given(request=ITEMS)
def test_no_items_query_fails_hangs_or_leaks(client, request):
    _ask(client, *request)


@_bounded(60)
@given(request=OTHER)
def test_no_path_under_ogc_or_feature_id_fails_hangs_or_leaks(client, request):
    _ask(client, *request)


@_bounded(60)
@given(request=LOOKUPS)
def test_no_lookup_query_fails_hangs_or_leaks(client, request):
    _ask(client, *request)
