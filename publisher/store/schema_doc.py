"""Generate ``docs/store-schema.md`` from the models: one table per store table.

Run ``python -m publisher.store.schema_doc > docs/store-schema.md``; a test keeps it current.
"""

from __future__ import annotations

from sqlalchemy import Enum

from publisher.store.geometry import Geometry
from publisher.store.models import Base

PERSONAL = {"remark"}


def render() -> str:
    """The schema as Markdown, tables in foreign-key order."""
    lines = [
        "# VLOK store schema",
        "",
        "Generated from `publisher/store/models.py` by `python -m publisher.store.schema_doc`.",
        "Geometry is EPSG:31370: a PostGIS `geometry` column on PostgreSQL, ISO WKB in a BLOB",
        "on SQLite. Nothing here is published as such: only what `mappings/` lists leaves it.",
        "",
    ]
    for table in Base.metadata.sorted_tables:
        model = next(mp.class_ for mp in Base.registry.mappers if mp.local_table is table)
        doc = (model.__doc__ or "").strip().splitlines()[0]
        note = " **Personal data.**" if table.name in PERSONAL else ""
        lines += [f"## `{table.name}`", "", f"{doc}{note}", "",
                  "| column | type | null | key | references |", "|---|---|---|---|---|"]
        for col in table.columns:
            if isinstance(col.type, Enum):
                ctype = "enum: " + ", ".join(f"`{v}`" for v in col.type.enums)
            elif isinstance(col.type, Geometry):
                ctype = f"geometry {col.type.geometry_type} (EPSG:{col.type.srid})"
            else:
                ctype = str(col.type)
            refs = ", ".join(f"`{fk.target_fullname}`" for fk in col.foreign_keys)
            key = "PK" if col.primary_key else ("unique" if col.unique else "")
            lines.append(f"| `{col.name}` | {ctype} | {'yes' if col.nullable else 'no'} | "
                         f"{key} | {refs} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render())
