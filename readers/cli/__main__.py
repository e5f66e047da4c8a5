import sys

from readers.cli import main

sys.exit(main())
