"""Talking to cards: the pure ISO 7816 kit, the SSC card application, transports."""
