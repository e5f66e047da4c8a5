"""The one-card service (FastAPI + SQLAlchemy 2 + Alembic)."""
