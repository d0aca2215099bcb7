"""The VLOK procedure store: models, migrations, and moving histories in and out."""
