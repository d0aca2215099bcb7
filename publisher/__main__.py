"""``python -m publisher`` is ``vlok-publisher``."""

import sys

from publisher.cli import main

sys.exit(main())
