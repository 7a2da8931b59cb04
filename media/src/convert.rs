//! BGRA → I420 colour conversion (being written).
