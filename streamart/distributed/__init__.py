"""Spread video work over a Ray cluster, above the single-process pipeline (docs/SCALING.md):
chunking (where a video can be cut), workers (Ray tasks that run the pipeline on one chunk, and
the head that hands them out) and stitching (joining the chunks without re-encoding)."""
