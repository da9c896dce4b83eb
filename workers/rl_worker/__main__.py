import sys

from rl_worker.cli import main

sys.exit(main())
