"""Model fields and constraints for the shared periods (:mod:`sijaga.core.periods`).

A month is stored as the date of its first day, so PostgreSQL can range-partition by it and every database can
index and compare it as a date. ``MonthField`` refuses other days in ``clean()``; :func:`first_of_month` is the
``CheckConstraint`` that makes the database refuse them too (the project's habit: the database refuses what the
form refuses). The check is plain SQL on both databases (``EXTRACT`` on PostgreSQL, ``strftime`` on SQLite), so a
table stays writable by tools that do not load Django's SQLite functions.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from sijaga.core.periods import Month


def validate_first_of_month(value: dt.date | None) -> None:
    if value is not None and value.day != 1:
        raise ValidationError(_("Bulan disimpan sebagai tanggal 1; yang diisi %(date)s."), params={"date": value})


class DayOfMonth(models.Func):
    """The day of the month (1–31) of a date expression."""

    arity = 1
    output_field = models.IntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="EXTRACT(DAY FROM %(expressions)s)", **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"CAST(strftime(%s, {sql}) AS INTEGER)", ("%d", *params)


def first_of_month(field: str, name: str) -> models.CheckConstraint:
    """``CheckConstraint`` that ``field`` (a ``MonthField``/``DateField``) holds the first day of a month, or NULL."""
    return models.CheckConstraint(condition=Exact(DayOfMonth(field), 1), name=name)


class MonthField(models.DateField):
    """A month, stored as the date of its first day.

    Accepts a :class:`~sijaga.core.periods.Month`, a first-of-month date or ``"2026-03"`` / ``"03/2026"``; reads
    back a ``datetime.date`` (``Month.from_first_day(value)`` turns it into a Month). Pair it with
    :func:`first_of_month` in ``Meta.constraints``.
    """

    default_validators = [validate_first_of_month]
    description = _("Bulan (tanggal 1)")

    def to_python(self, value):
        if isinstance(value, Month):
            return value.first_day
        if isinstance(value, str):
            text = value.strip()
            if len(text) <= 7:  # "2026-03", "03/2026", "3/2026"
                try:
                    return Month.parse(text).first_day
                except ValueError:
                    raise ValidationError(
                        _("%(value)s bukan bulan; tulis 2026-03 atau 03/2026."), code="invalid", params={"value": text}
                    ) from None
        return super().to_python(value)

    def get_prep_value(self, value):
        if isinstance(value, Month):
            value = value.first_day
        return super().get_prep_value(value)
