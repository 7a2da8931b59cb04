//! A CSR's camera picture or shown screen made small enough for the window: I420 to RGBA,
//! scaled down by whole steps (nearest pixel) to at most [`MAX_WIDTH`] (a camera) or
//! [`SCREEN_MAX_WIDTH`] (a screen) wide. Done on the session side, so the window's thread only
//! uploads a texture; egui scales it to fit when drawing.

/// Widest camera picture the window shows.
pub const MAX_WIDTH: u32 = 320;
/// Widest picture of a CSR's screen kept (a 1920-wide screen becomes 960 wide).
pub const SCREEN_MAX_WIDTH: u32 = 1280;

#[derive(Clone, PartialEq, Eq)]
pub struct Picture {
    pub from: String,
    pub width: u32,
    pub height: u32,
    /// `width * height * 4` bytes, RGBA.
    pub rgba: Vec<u8>,
}

impl std::fmt::Debug for Picture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Picture({} {}×{})", self.from, self.width, self.height)
    }
}

/// The camera picture `frame` of `from`, scaled down; `None` when the frame is malformed.
pub fn from_i420(from: &str, frame: &media::I420Frame) -> Option<Picture> {
    scaled(from, frame, MAX_WIDTH)
}

/// The picture `frame` of `from`, scaled down to at most `max_width` wide.
pub fn scaled(from: &str, frame: &media::I420Frame, max_width: u32) -> Option<Picture> {
    if !frame.is_well_formed() || frame.width == 0 || frame.height == 0 {
        return None;
    }
    let step = frame.width.div_ceil(max_width).max(1);
    let (w, h) = (frame.width / step, frame.height / step);
    let (ys, cs) = (frame.y_stride(), frame.chroma_stride() as usize);
    let mut rgba = Vec::with_capacity((w * h * 4) as usize);
    for row in 0..h {
        let sy = (row * step) as usize;
        for col in 0..w {
            let sx = (col * step) as usize;
            let y = f32::from(frame.y[sy * ys + sx]) - 16.0;
            let ci = (sy / 2) * cs + sx / 2;
            let (u, v) = (f32::from(frame.u[ci]) - 128.0, f32::from(frame.v[ci]) - 128.0);
            let c = |x: f32| x.clamp(0.0, 255.0) as u8;
            rgba.extend_from_slice(&[c(1.164 * y + 1.596 * v), c(1.164 * y - 0.392 * u - 0.813 * v), c(1.164 * y + 2.017 * u), 255]);
        }
    }
    Some(Picture { from: from.to_owned(), width: w, height: h, rgba })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grey_hd_picture_becomes_a_small_grey_one() {
        let frame = media::I420Frame::filled(1280, 720, (126, 128, 128));
        let p = from_i420("Alice", &frame).expect("a picture");
        assert_eq!((p.width, p.height), (320, 180));
        assert_eq!(p.rgba.len(), 320 * 180 * 4);
        assert!(p.rgba.chunks(4).all(|px| px[0].abs_diff(128) < 3 && px[1].abs_diff(128) < 3 && px[2].abs_diff(128) < 3));
    }

    #[test]
    fn a_full_hd_screen_is_kept_at_half_size() {
        let frame = media::I420Frame::filled(1920, 1080, (126, 128, 128));
        let p = scaled("Alice", &frame, SCREEN_MAX_WIDTH).expect("a picture");
        assert_eq!((p.width, p.height), (960, 540));
    }

    #[test]
    fn a_malformed_frame_is_not_shown() {
        let mut frame = media::I420Frame::filled(64, 64, (0, 128, 128));
        frame.y.truncate(10);
        assert!(from_i420("Alice", &frame).is_none());
    }
}
