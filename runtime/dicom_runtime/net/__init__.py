"""DICOM networking (PS3.7, PS3.8, PS3.15): a sans-I/O core, with adapters beside it.

- :mod:`.pdu`: the upper layer's PDUs and sub-items, bytes in and out;
- :mod:`.state`: the state machine, as the data of PS3.8 Table 9-10;
- :mod:`.association`: one side of an association without I/O (the actions of the
  table in :mod:`.actions`, the events it reports in :mod:`.events`, the ARTIM timer as a
  deadline) and the acceptor's negotiation (:mod:`.negotiation`);
- :mod:`.dimse` and :mod:`.messages`: command sets, fragmentation, status codes;
- :mod:`.aio` (asyncio) and :mod:`.blocking`: the adapters, SCU and SCP;
- :mod:`.storage`: a storage, query and retrieve SCP over a folder;
- :mod:`.tls`: the BCP 195 TLS profiles; :mod:`.cli`: ``dicom-net``.
"""
