"""DICOM networking (PS3.7, PS3.8): a sans-I/O core, with adapters beside it.

So far: the upper layer's Protocol Data Units (:mod:`.pdu`), its state machine as
the data of PS3.8 Table 9-10 (:mod:`.state`), and DIMSE command sets with their
fragmentation into PDVs and reassembly (:mod:`.dimse`).
"""
