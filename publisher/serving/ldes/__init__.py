"""The Linked Data Event Stream of the daily changes, fact IRIs and the product code list."""

from publisher.serving.ldes.routes import routes

__all__ = ["routes"]
