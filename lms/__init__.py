"""The training platform for prison and probation services."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, g, request
from werkzeug.exceptions import HTTPException, NotFound, ServiceUnavailable
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import Rule

from lms import access, csrf_tokens, frame, i18n, reads, static_urls
from lms.bounds import reject_out_of_range_numbers
from lms.config import from_environment, instance_path
from lms.errors import NotFoundError
from lms.extensions import Migrations, babel, compress, csrf, db, limiter, login_manager
from lms.i18n import (
    LOCALES,
    about_duration,
    bdi,
    count_text,
    current_language,
    date_text,
    datetime_text,
    list_html,
    localized_html,
    select_locale,
    text_direction,
)
from lms.session_cookie import CookieSessions


def _template_cache(app: Flask) -> None:
    """Compiled templates kept in the instance folder (Jinja's bytecode cache, checked
    against each template's source and Jinja's version): a new worker renders its first
    pages without compiling their templates again (about 20 ms a page)."""
    from jinja2 import FileSystemBytecodeCache

    folder = Path(app.instance_path) / "template-cache"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
    except OSError:  # a read-only instance folder: templates are compiled in memory as before
        return
    app.jinja_env.bytecode_cache = FileSystemBytecodeCache(str(folder))


class _Rule(Rule):
    """A URL rule that compiles its URL builder (the code behind url_for) when it first builds
    a URL, not when it is added. Werkzeug compiles two small functions for each of the ~125
    rules at start, about a sixth of create_app; a new worker's first pages build URLs for a
    few dozen. The URLs built are the same: the builder is werkzeug's own, compiled later."""

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        compiled: Callable[..., tuple[str, str]] | None = None

        def build(rule: Rule, /, **values: Any) -> tuple[str, str]:
            nonlocal compiled
            if compiled is None:  # two threads may both compile it: the same function
                compiled = Rule._compile_builder(rule, append_unknown)
            return compiled(rule, **values)

        return build


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=instance_path(), instance_relative_config=True)
    app.url_rule_class = _Rule
    app.session_interface = CookieSessions()  # verified once per process (lms/session_cookie.py)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(from_environment(Path(app.instance_path)))
    if test_config:
        app.config.from_mapping(test_config)

    if proxies := app.config.get("LMS_TRUSTED_PROXIES", 0):
        # Forwarded headers are believed from exactly this many proxies, no more: the client
        # address then decides rate limits and the audit log.
        # Flask's documented way to wrap its WSGI app; Flask types wsgi_app as a method.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies,  # type: ignore[method-assign]
                                x_port=proxies)
    _sqlite_engine_options(app)
    db.init_app(app)
    _sqlite_write_ahead_log(app)
    # Runs before Flask-SQLAlchemy's own teardown (teardowns run in reverse order).
    app.teardown_appcontext(_end_session)
    app.teardown_appcontext(reads.release_at_end)  # the connection of reads made without the session
    app.extensions["migrate"] = Migrations(app, str(Path(app.root_path).parent / "migrations"))
    babel.init_app(app, locale_selector=select_locale)
    i18n.init_app(app)  # the interface languages are the catalogs found (docs/languages.md)
    csrf.init_app(app)
    csrf_tokens.init_app(app)
    limiter.init_app(app)
    compress.init_app(app)
    static_urls.init_app(app)
    frame.init_app(app)
    _template_cache(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"

    from lms import models  # noqa: F401  (every model, for migrations and relationships)
    from lms.auth import account

    @login_manager.user_loader
    def load_user(session_id: str) -> account.Account | None:
        user_id, _, version = session_id.partition(":")
        if not user_id.isdigit() or not version.isdigit():
            return None
        return account.load(int(user_id), int(version))

    _register_blueprints(app)
    _register_tasks(app)
    _connect_signals()
    app.before_request(_reject_nul_bytes)
    app.before_request(reject_out_of_range_numbers)
    app.before_request(access.enforce)
    _register_errors(app)
    _register_template_helpers(app)

    from lms.cli import register_commands

    register_commands(app)
    return app


def _sqlite_engine_options(app: Flask) -> None:
    """On SQLite: no ping, and write transactions that take the writer lock (lms.sqlite_writer).

    pool_pre_ping sends a "SELECT 1" before each request's first statement, so that a
    PostgreSQL restart costs no request an error. A SQLite file has no server to lose: no
    ping there (one statement and about 30 µs less per request)."""
    if str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        from lms import sqlite_writer

        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["pool_pre_ping"] = False
        options["connect_args"] = {**options.get("connect_args", {}), "factory": sqlite_writer.Connection}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _sqlite_write_ahead_log(app: Flask) -> None:
    """SQLite (the embedded default) keeps a write-ahead log: readers never wait for a
    writer, and a commit is one append and one sync instead of a rollback journal's several.
    Every commit is still synced before it is acknowledged (synchronous=FULL, the default)."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _write_ahead_log(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def _end_session(_exc: BaseException | None) -> None:
    """End the request's database session. When the database restarted after the request's
    last query, the rollback that hands the connection back fails: the answer is already
    made (and whatever was committed stays), so drop the dead connection, never the answer."""
    try:
        db.session.remove()
    except sa.exc.DBAPIError as error:
        if not error.connection_invalidated:
            raise
        from flask import current_app

        current_app.logger.warning("Database connection lost at the end of a request")
        db.session.remove()


def _reject_nul_bytes():
    """A NUL byte is never valid input, and PostgreSQL refuses it in text: answer 400 early."""
    from flask import abort

    # A form is read only where one is posted (as lms.bounds does): reading request.form
    # on a GET sets up a form parser for nothing.
    sources = (request.args, request.form) if request.method == "POST" else (request.args,)
    if "\x00" in request.path or any("\x00" in value for values in sources for value in values.values()):
        abort(400)


def _register_blueprints(app: Flask) -> None:
    from lms.admin.views import bp as admin_bp
    from lms.auth.views import bp as auth_bp
    from lms.authoring.views import bp as authoring_bp
    from lms.catalog.views import bp as catalog_bp
    from lms.certificates.views import bp as certificates_bp
    from lms.core.views import bp as core_bp
    from lms.learning.views import bp as learning_bp
    from lms.org.views import bp as org_bp
    from lms.quizzes.views import bp as quizzes_bp
    from lms.reports.views import bp as reports_bp
    from lms.scenarios.views import bp as scenarios_bp
    from lms.translation.views import bp as translation_bp

    for blueprint in (core_bp, auth_bp, admin_bp, org_bp, catalog_bp, learning_bp, quizzes_bp, scenarios_bp,
                      reports_bp, certificates_bp, authoring_bp, translation_bp):
        app.register_blueprint(blueprint)


def _register_tasks(app: Flask) -> None:
    """The task queue (lms.tasks) and the long jobs it runs, in one list you can read."""
    from lms import tasks
    from lms.certificates.tasks import register as certificate_tasks

    tasks.init_app(app)
    for register in (certificate_tasks,):
        register(app)


def _register_errors(app: Flask) -> None:
    from lms.core.views import render_error

    def handle_http(error: HTTPException):
        return render_error(error)

    def handle_missing(_error: NotFoundError):
        # Logic says what is missing (lms/errors.py); the answer to the request is decided here.
        return render_error(NotFound())

    def handle_unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return render_error(error)
        if isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError):
            # The database is restarting or out of reach: a short outage, not a bug. 503 tells
            # the person (and the load balancer) to try again in a moment.
            app.logger.warning("Database unavailable on %s %s: %s", request.method, request.path,
                               type(error.orig).__name__)
            db.session.rollback()
            # The error page must not ask the database who is signed in.
            g._login_user = login_manager.anonymous_user()
            return render_error(ServiceUnavailable())
        # Log the failure without request data: forms may hold personal details.
        app.logger.error("Unhandled error on %s %s", request.method, request.path, exc_info=error)
        return render_error(error)

    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(NotFoundError, handle_missing)
    app.register_error_handler(Exception, handle_unexpected)


# Set on every answer unless the view set its own (a course's SVG picture has its own policy).
SECURITY_HEADERS = (
    ("Content-Security-Policy",
     "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
     "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
)


def _register_template_helpers(app: Flask) -> None:
    @app.context_processor
    def inject():
        lang = current_language()
        return {
            "LOCALES": LOCALES,
            "lang": lang,
            "text_dir": text_direction(lang),
        }

    from flask_login import current_user

    from lms.org.labels import describe_scope

    def scope_in_words() -> str:
        return describe_scope(current_user, current_language())

    app.jinja_env.globals["scope_in_words"] = scope_in_words

    from lms.org.positions import names as position_names

    def position_name(key: str) -> str:
        return position_names([key], current_language()).get(key, key) if key else ""

    app.jinja_env.globals["position_name"] = position_name

    app.add_template_filter(list_html, "listformat")
    app.add_template_filter(count_text, "countformat")  # whole numbers, as decimalformat writes them
    # Dates in the deployment's time zone, years in full, Arabic months as in Iraq (lms.i18n).
    app.add_template_filter(date_text, "dateformat")
    app.add_template_filter(datetime_text, "datetimeformat")
    app.add_template_global(about_duration, "about_duration")
    # The one list of right-to-left languages (lms.i18n), for any template that needs a direction.
    app.add_template_global(text_direction, "dir_of")
    app.add_template_global(bdi, "bdi")  # a value in another script, isolated (lms.i18n.bdi)
    app.add_template_global(localized_html, "text")  # course text, with its language when it fell back

    @app.after_request
    def security_headers(response):
        headers = response.headers
        # The names present, read in one pass: werkzeug answers each absent name looked up
        # (`in`, setdefault) by raising and catching an exception, six of them a page.
        present = {name.lower() for name, _value in headers}
        for name, value in SECURITY_HEADERS:
            if name.lower() not in present:
                headers.add(name, value)
        if "vary" in present:
            headers["Vary"] += ", Cookie"
        # Pages of a signed-in account hold personal data: keep them out of shared caches.
        # is_anonymous reads no column: after a POST's commit the account's row is expired,
        # and is_authenticated (the account's active flag) would read it again.
        if "cache-control" not in present and current_user and not current_user.is_anonymous:
            headers["Cache-Control"] = "private, no-store"
        return response

    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def _connect_signals() -> None:
    """Features that listen to another's events, connected here rather than on import: a
    published version holds or moves officers; a completed course issues its certificate."""
    from lms.catalog.loader import version_published
    from lms.certificates.issue import on_course_completed
    from lms.learning.completion import course_completed
    from lms.learning.versions import on_version_published

    version_published.connect(on_version_published)
    course_completed.connect(on_course_completed)
