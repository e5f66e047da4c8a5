"""Window readers on serial ports: the project's own framing (docs/serial-reader-protocol.md).

``codec`` (frames) and ``messages`` (what they mean) are sans-I/O and import no pyserial;
``link`` runs one command over a port with resends and deadlines; ``port`` is the only
module that imports pyserial; ``backend.SerialReaderBackend`` is the ``ReaderBackend``
that applications use.
"""
