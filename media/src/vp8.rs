//! VP8 encoder and decoder over libvpx (being written).
