"""``python -m streamart``."""

import sys

from .cli import main

sys.exit(main())
