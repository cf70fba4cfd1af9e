"""The task queue for long jobs (huey): never run in a web request or a web worker's thread.

One code path, two stores: with LMS_REDIS_URL the queue lives in Redis (several app
servers and workers share it), otherwise in a SQLite file in the instance folder. The
consumer is `lms worker`, run next to the web server (`make run`, deploy/systemd).

Features register their tasks in `create_app` (`register`), each wrapped so it runs in an
application context with its own database session. LMS_TASKS_IMMEDIATE runs tasks at once
in the caller's process, for tests that are not about the queue itself.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.api import TaskWrapper

EXTENSION = "lms.tasks"


def init_app(app: Flask) -> Huey:
    """The queue of this app, configured from its settings (app.extensions["lms.tasks"])."""
    immediate = bool(app.config.get("LMS_TASKS_IMMEDIATE"))
    if url := app.config.get("LMS_TASKS_REDIS_URL"):
        huey: Huey = RedisHuey("lms", url=url, immediate=immediate)
    else:
        path = app.config.get("LMS_TASKS_SQLITE") or str(Path(app.instance_path) / "tasks.sqlite3")
        huey = SqliteHuey("lms", filename=path, immediate=immediate)

    @huey.on_startup()
    def _own_connections() -> None:
        # A worker process forked from the consumer opens database connections of its own.
        from lms.extensions import db

        with app.app_context():
            db.engine.dispose(close=False)

    app.extensions[EXTENSION] = {"huey": huey, "tasks": {}, "pid": os.getpid()}
    return huey


def queue(app: Flask | None = None) -> Huey:
    return (app or current_app).extensions[EXTENSION]["huey"]


def register(app: Flask, name: str, func: Callable, *, every: crontab | None = None) -> TaskWrapper:
    """Make func a task of app's queue named name (periodic if every is given)."""
    huey = queue(app)

    @functools.wraps(func)
    def in_app(*args, **kwargs):
        from lms.extensions import db

        with app.app_context():
            try:
                return func(*args, **kwargs)
            finally:
                db.session.remove()

    if every is not None:
        task = huey.periodic_task(every, name=name)(in_app)
    else:
        task = huey.task(name=name)(in_app)
    app.extensions[EXTENSION]["tasks"][name] = task
    return task


def enqueue(name: str, *args) -> None:
    """Put a call of the task named name on the queue (commit what it reads first)."""
    current_app.extensions[EXTENSION]["tasks"][name](*args)


def consumer(app: Flask, workers: int):
    """The huey consumer of app's queue: worker processes, and the periodic tasks."""
    return queue(app).create_consumer(workers=workers, worker_type="process", periodic=True,
                                      check_worker_health=True, initial_delay=0.1, max_delay=1.0)
