import sys

from llm_worker.cli import main

sys.exit(main())
