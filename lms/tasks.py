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
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, current_app

if TYPE_CHECKING:
    from huey import Huey

EXTENSION = "lms.tasks"


def init_app(app: Flask) -> None:
    """The queue of this app, made from its settings on first use (app.extensions["lms.tasks"]).

    huey and the database and Redis clients its stores bring take about 15 MiB of a process;
    a web worker that never puts a job on the queue does not load them."""
    app.extensions[EXTENSION] = {"huey": None, "registered": [], "tasks": {}}


def _make_queue(app: Flask) -> Huey:
    from huey import RedisHuey, SqliteHuey, crontab

    immediate = bool(app.config.get("LMS_TASKS_IMMEDIATE"))
    huey: Huey
    if url := app.config.get("LMS_TASKS_REDIS_URL"):
        huey = RedisHuey("lms", url=url, immediate=immediate)
    else:
        path = app.config.get("LMS_TASKS_SQLITE") or str(Path(app.instance_path) / "tasks.sqlite3")
        huey = SqliteHuey("lms", filename=path, immediate=immediate)

    @huey.on_startup()
    def _own_connections() -> None:
        # A worker process forked from the consumer opens database connections of its own.
        from lms.extensions import db

        with app.app_context():
            db.engine.dispose(close=False)

    for name, func, every in app.extensions[EXTENSION]["registered"]:
        in_app = _in_app_context(app, func)
        if every is not None:
            task = huey.periodic_task(crontab(**every), name=name)(in_app)
        else:
            task = huey.task(name=name)(in_app)
        app.extensions[EXTENSION]["tasks"][name] = task
    return huey


def _in_app_context(app: Flask, func: Callable) -> Callable:
    @functools.wraps(func)
    def in_app(*args, **kwargs):
        from lms.extensions import db

        with app.app_context():
            try:
                return func(*args, **kwargs)
            finally:
                db.session.remove()

    return in_app


def queue(app: Flask | None = None) -> Huey:
    state = (app or current_app).extensions[EXTENSION]
    if state["huey"] is None:
        state["huey"] = _make_queue(app or current_app._get_current_object())  # type: ignore[attr-defined]
    return state["huey"]


def register(app: Flask, name: str, func: Callable, *, every: dict[str, str] | None = None) -> None:
    """Make func a task of app's queue named name; periodic if every is given, as huey's
    crontab arguments (e.g. {"minute": "*/15"}). Call it from create_app, before the queue is used."""
    state = app.extensions[EXTENSION]
    if state["huey"] is not None:
        raise RuntimeError("tasks are registered in create_app, before the queue is first used")
    state["registered"].append((name, func, every))


def enqueue(name: str, *args) -> None:
    """Put a call of the task named name on the queue (commit what it reads first)."""
    queue(current_app)
    current_app.extensions[EXTENSION]["tasks"][name](*args)


def consumer(app: Flask, workers: int):
    """The huey consumer of app's queue: worker processes, and the periodic tasks."""
    return queue(app).create_consumer(workers=workers, worker_type="process", periodic=True,
                                      check_worker_health=True, initial_delay=0.1, max_delay=1.0)
