"""gunicorn settings for one app server: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Every value can be changed through the environment of the systemd unit (deploy/lms.env).
"""

import multiprocessing
import os

# Behind nginx on the same machine: loopback. Several machines: the address nginx reaches.
bind = os.environ.get("LMS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("LMS_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
worker_class = "sync"
# A page that takes longer than this is cut off (and logged) instead of holding a worker.
timeout = int(os.environ.get("LMS_WORKER_TIMEOUT", "60"))
# On restart, requests in flight get this long to finish.
graceful_timeout = 30
keepalive = 5
# Workers are replaced now and then, so a slow leak cannot grow for weeks.
max_requests = 2000
max_requests_jitter = 200
# The master loads the app once and workers fork from it: a worker started or replaced
# (max_requests) is ready in milliseconds instead of importing everything again, and the
# workers share the loaded code's memory. Each still opens its own database connections
# after the fork (post_fork below). A new release needs a restart: a reload (HUP) forks the
# new workers from the code the master already holds.
preload_app = True
# Access log without query strings (they may hold search terms about people).
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
# gunicorn takes X-Forwarded-Proto only from these addresses; the app's own rule is
# LMS_TRUSTED_PROXIES (werkzeug's ProxyFix).
forwarded_allow_ips = os.environ.get("LMS_FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_fork(server, worker):
    """No database connection crosses the fork: whatever the master's engines hold is
    forgotten in the worker (not closed, so the master's stay valid), and the worker opens
    its own on first use."""
    from lms import reads
    from lms.extensions import db

    app = server.app.wsgi()
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
    reads.forget_connections()
