"""Residents online (网上查询): their own records, and who read them, when, where and why."""
