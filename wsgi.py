"""Entry point for gunicorn: `gunicorn wsgi:app`."""

import gc

from lms import create_app

app = create_app()
# What the start left (about 100,000 objects: modules, classes, templates, mappings) lives as
# long as the process: moved out of the collector's reach, a full collection in a worker
# walks only what requests made since (60-80 ms -> 2-6 ms measured on the bench's data,
# a pause one request in a few thousand would otherwise wait through), and a worker forked
# from the preloading master leaves those pages shared instead of writing to them.
gc.freeze()
