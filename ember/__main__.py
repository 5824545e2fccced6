"""``python -m ember ...``: the ember command line."""
import sys

from .cli import main

sys.exit(main())
