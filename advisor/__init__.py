"""A document-grounded career advisor for physicians who want to become medical directors.

Nothing heavy happens at import time: the embedding model, the vector store and the databases are
opened by `Advisor` on first use.
"""

__version__ = "0.1.0"
