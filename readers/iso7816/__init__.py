"""The ISO 7816 kit: APDUs, status words, TLV, field codecs, response processors.

Pure and standard library only: no I/O, nothing else of the project.
"""

from readers.iso7816.apdu import ApduCase, CommandApdu, ResponseApdu
from readers.iso7816.processors import ApduProcessor, Transmitter

__all__ = ["ApduCase", "ApduProcessor", "CommandApdu", "ResponseApdu", "Transmitter"]
