from datetime import UTC, date, datetime, time

import pytest

from po_automation.domain.calendar import cutoff_utc, earliest_delivery, london_date, order_by


def test_an_order_at_2330_utc_in_july_belongs_to_the_next_london_day():
    assert london_date(datetime(2026, 7, 14, 23, 30, tzinfo=UTC)) == date(2026, 7, 15)


def test_an_order_at_2330_utc_in_january_stays_on_the_same_day():
    assert london_date(datetime(2026, 1, 14, 23, 30, tzinfo=UTC)) == date(2026, 1, 14)


def test_a_london_cutoff_is_an_hour_earlier_in_utc_during_summer_time():
    assert cutoff_utc(date(2026, 1, 10), time(14, 0)) == datetime(2026, 1, 10, 14, tzinfo=UTC)
    assert cutoff_utc(date(2026, 7, 10), time(14, 0)) == datetime(2026, 7, 10, 13, tzinfo=UTC)


def test_cutoff_is_right_on_the_days_the_clocks_change():
    assert cutoff_utc(date(2026, 3, 29), time(14, 0)) == datetime(2026, 3, 29, 13, tzinfo=UTC)
    assert cutoff_utc(date(2026, 10, 25), time(14, 0)) == datetime(2026, 10, 25, 14, tzinfo=UTC)


def test_after_the_cutoff_the_order_counts_from_tomorrow():
    # 13:30 UTC in July is 14:30 in London: past a 14:00 cut-off.
    late = datetime(2026, 7, 14, 13, 30, tzinfo=UTC)
    early = datetime(2026, 7, 14, 12, 30, tzinfo=UTC)
    assert earliest_delivery(late, 1, time(14, 0)) == date(2026, 7, 16)
    assert earliest_delivery(early, 1, time(14, 0)) == date(2026, 7, 15)


def test_order_by_is_the_cutoff_lead_time_days_before_delivery():
    assert order_by(date(2026, 7, 16), 2, time(10, 0)) == datetime(2026, 7, 14, 9, tzinfo=UTC)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone"):
        london_date(datetime(2026, 7, 14, 23, 30))
