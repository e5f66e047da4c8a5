"""``python -m cardsvc.cli``: the ``cardsvc`` command (tests and the bench start it so)."""

import sys

from cardsvc.cli import main

sys.exit(main())
