import sys

from env_worker.cli import main

sys.exit(main())
