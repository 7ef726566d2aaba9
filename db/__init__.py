"""Storage: SQLAlchemy 2 async models, the session factory and Alembic migrations."""
