"""OGC API Features tests (a package so its modules share helpers by relative import)."""
