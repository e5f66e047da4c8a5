"""Employers (用人单位): the unified social credit code, the ledger, employment relations."""
