import sys

from mosaic_tui.cli import main

sys.exit(main())
