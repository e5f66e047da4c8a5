"""A simulated window reader speaking ``docs/serial-reader-protocol.md``, with a soft card.

``engine.SerialReaderSimulator`` is the reader (sans-I/O, with fault injection); carriers
put it on a line: ``pty.PtySerialReader`` on a pseudo-terminal that the backend opens as a
real serial device, and ``protocol_sim.SimUrlSerialReader`` as a ``sim://`` URL (this
package is a pyserial URL-handler package; creating one registers it).
"""
