"""DICOM networking (PS3.7, PS3.8): a sans-I/O core, with adapters beside it.

So far: the Protocol Data Units of the upper layer (:mod:`dicom_runtime.net.pdu`).
"""
