"""The provider on its own, as pygeoapi calls it (no HTTP)."""

from __future__ import annotations

import pytest
from pygeoapi.provider.base import ProviderInvalidQueryError, ProviderItemNotFoundError
from pygeofilter.parsers.cql2_text import parse

from publisher.serving.ogcapi.provider import GeoPackagePublicationProvider


def _provider(root, **options):
    return GeoPackagePublicationProvider({
        "name": "publisher.serving.ogcapi.provider.GeoPackagePublicationProvider",
        "type": "feature", "data": str(root), "options": {"dataset": "poi", **options}})


def test_query_pages_are_disjoint_and_ordered_by_publication_order(publication_dir):
    p = _provider(publication_dir)
    a = p.query(offset=0, limit=10)["features"]
    b = p.query(offset=10, limit=10)["features"]
    assert not {f["id"] for f in a} & {f["id"] for f in b}


def test_filterq_from_a_cql2_json_body_is_evaluated(publication_dir, poi_meta):
    p = _provider(publication_dir)
    out = p.query(resulttype="hits", filterq=parse("PRODUCT='RegisterHerstelvorderingen'"))
    assert out["numberMatched"] == poi_meta["counts"]["RegisterHerstelvorderingen"]


def test_unknown_property_in_filter_is_an_invalid_query(publication_dir):
    with pytest.raises(ProviderInvalidQueryError):
        _provider(publication_dir).query(filterq=parse("SECRET = 1"))


def test_get_respects_the_collection_product(publication_dir):
    hv = _provider(publication_dir, product="RegisterHerstelvorderingen")
    ca_id = _provider(publication_dir, product="Conformiteitsattest").query(limit=1)[
        "features"][0]["id"]
    with pytest.raises(ProviderItemNotFoundError):
        hv.get(ca_id)


def test_no_publication_is_a_503(tmp_path):
    from publisher.serving.ogcapi.provider import PublicationUnavailable

    with pytest.raises(PublicationUnavailable) as info:
        _provider(tmp_path).query()
    assert info.value.http_status_code == 503
