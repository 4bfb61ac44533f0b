//! The integer range check shared by the numeric values.

use super::ValueError;

/// `value` as `T` when it lies within `min..=max` (a range `T` can hold), else the
/// error `must be between {min} and {max}, got {value}`.
pub(super) fn integer_between<T: TryFrom<i64>>(
    value: i64,
    min: i64,
    max: i64,
) -> Result<T, ValueError> {
    integer_within(value, min, max, || {
        format!("must be between {min} and {max}")
    })
}

/// Like `integer_between`, with a rule of the caller's wording.
pub(super) fn integer_within<T: TryFrom<i64>>(
    value: i64,
    min: i64,
    max: i64,
    rule: impl FnOnce() -> String,
) -> Result<T, ValueError> {
    (min..=max)
        .contains(&value)
        .then(|| T::try_from(value).ok())
        .flatten()
        .ok_or_else(|| ValueError::new(rule(), value))
}
