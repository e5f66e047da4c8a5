"""Append-only, hash-chained audit trail of every read and change of residents' data.

Personal identifiers (social security number, name, addresses) never enter an audit
payload in clear: each is written as ``masked#hmac`` — the masked form a person can read
and the first 16 hex digits of HMAC-SHA256 under ``CARDSVC_AUDIT_SECRET``, so an auditor
can tell whether two events concern the same value without the trail holding it.
"""
