"""`python -m scalecalc`."""

import sys

from scalecalc.cli import main

sys.exit(main())
