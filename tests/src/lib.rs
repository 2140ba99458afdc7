//! Shared helpers for the end-to-end and crash tests live in `tests/`; this library is empty on purpose: the crate exists for its tests and helper binaries.
