"""``python -m dicom_runtime.media``: the ``dicom-media`` command."""

import sys

from .cli import main

sys.exit(main())
