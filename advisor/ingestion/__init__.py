"""Turning files into cleaned documents and structure-preserving chunks, and keeping the index in sync."""
