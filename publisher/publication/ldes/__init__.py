"""The daily changes as a Linked Data Event Stream (TREE/LDES) with OSLO terms.

:func:`write_stream` runs in the publish job's follow-up and appends each published POI run
as immutable pages; :class:`PageStore` reads them back for serving; :mod:`terms` is the
vocabulary both sides share.
"""

from publisher.publication.ldes.pages import Page, PageStore
from publisher.publication.ldes.write import page_store, write_stream

__all__ = ["Page", "PageStore", "page_store", "write_stream"]
