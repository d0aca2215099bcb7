"""Daily extraction: the public facts as of a date, through the allow-list in ``mappings/``."""
