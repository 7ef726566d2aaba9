"""Storage: SQLAlchemy 2 async models, the session factory and Alembic migrations."""

# Both halves of the schema are registered whenever any part of db is used: each half's foreign
# keys name tables of the other (questions.answered_by -> officers, dialogue items -> questions).
from db import models, office  # noqa: F401
