"""``python -m sine_lab.doctor path/to/file.py:function``: see :mod:`sine_lab.doctor.cli`."""

import sys

from .cli import main

sys.exit(main())
