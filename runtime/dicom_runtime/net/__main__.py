"""``python -m dicom_runtime.net``: the ``dicom-net`` command."""

import sys

from .cli import main

sys.exit(main())
