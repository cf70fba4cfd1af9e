"""Certificates: issued on course completion, drawn as PDFs, verifiable online and offline."""
