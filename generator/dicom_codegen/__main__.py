"""``python -m dicom_codegen`` is ``dicom-codegen``."""

import sys

from .cli import main

sys.exit(main())
