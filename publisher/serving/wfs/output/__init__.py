"""One renderer per output format, plus the XSD, capabilities and stored-query writers."""
