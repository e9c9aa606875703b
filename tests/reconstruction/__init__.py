"""A full-scale RECONSTRUCTION of PS3.3 (and a matching PS3.6) as DocBook, rebuilt from
two whole-standard transcriptions on PyPI, for scale and variety tests of the
generator. It is not the DICOM standard: see README.md in this folder.

``python3 -m tests.reconstruction innolitics OUTDIR`` / ``... highdicom OUTDIR``.
"""
