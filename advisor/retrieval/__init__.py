"""Embeddings, the vector store, the BM25 index and the hybrid retriever that fuses them."""
