"""``python -m sine_lab.bench``: the benchmark's command line (:mod:`sine_lab.bench.cli`)."""

import sys

from .cli import main

sys.exit(main())
