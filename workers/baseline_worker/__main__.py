import sys

from baseline_worker.cli import main

sys.exit(main())
