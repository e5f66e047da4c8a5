"""The other side of every seam: soft SSC card, soft PSAM, virtual readers.

Never imported by production code.
"""
