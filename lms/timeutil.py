"""Time in one place: aware UTC datetimes, stored naive-UTC-safe on every database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


def deployment_timezone() -> ZoneInfo:
    """The deployment's time zone (setting LMS_TIMEZONE), UTC outside an application."""
    from flask import current_app, has_app_context

    return ZoneInfo(current_app.config.get("LMS_TIMEZONE", "UTC") if has_app_context() else "UTC")


def local_date(moment: datetime) -> date:
    """The calendar date of a moment where the deployment is."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(deployment_timezone()).date()


def today() -> date:
    """Today's date where the deployment is: the one "today" of due dates, overdue,
    completion dates, reports and certificates."""
    return local_date(utcnow())


def day_start(day: date) -> datetime:
    """The moment a calendar day begins where the deployment is (aware, for comparisons)."""
    return datetime(day.year, day.month, day.day, tzinfo=deployment_timezone())


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime column that reads back aware on SQLite too."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value
