//! Input injection (being written).
