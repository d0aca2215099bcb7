"""Request parsers: KVP, XML POST and filters (FES 2.0, ECQL), all to one request model."""
