//! Wall-clock times as the database stores them: RFC 3339 UTC text with a fixed width, so that
//! comparing the text compares the times (the daily limit relies on it).

use chrono::{DateTime, Days, SecondsFormat, Utc};

/// Formats a time for storage.
pub fn format(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Now, formatted.
pub fn now() -> String {
    format(Utc::now())
}

/// The start of `t`'s UTC day and of the next one.
pub fn day_bounds(t: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = t
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc();
    (start, start + Days::new(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_order_is_time_order_and_days_split_at_utc_midnight() {
        let t: DateTime<Utc> = "2026-11-28T23:59:59.5Z".parse().unwrap();
        let (start, next) = day_bounds(t);
        assert_eq!(format(start), "2026-11-28T00:00:00.000000Z");
        assert_eq!(format(next), "2026-11-29T00:00:00.000000Z");
        assert!(format(start) <= format(t) && format(t) < format(next));
    }
}
