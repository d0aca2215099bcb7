"""OGC API Features: pygeoapi with our publication provider, mounted at ``/ogc``."""
