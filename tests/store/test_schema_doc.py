"""The schema documentation in docs/ is the one the models generate."""

from pathlib import Path

from publisher.store.schema_doc import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "store-schema.md"


def test_schema_doc_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render() + "\n", (
        "regenerate: python -m publisher.store.schema_doc > docs/store-schema.md")
