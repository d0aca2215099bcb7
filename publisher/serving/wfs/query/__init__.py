"""Evaluating a parsed query against a publication GeoPackage."""
