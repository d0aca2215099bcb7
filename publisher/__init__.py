"""VLOK public-data publisher.

The package reads as the pipeline the data flows through:
``store`` (the VLOK procedure store) → ``rules`` (what a public flag means on a date) →
``extract`` → ``publication`` → ``serving`` / ``downloads``.
"""

__version__ = "0.1.0"
