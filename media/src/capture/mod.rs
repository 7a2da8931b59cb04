//! Screen and window capture (being written).
