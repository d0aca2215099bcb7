"""One filter compiler for every surface and backend (see :mod:`.compiler`)."""
