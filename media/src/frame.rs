//! Raw picture types shared by capture, conversion, the camera and the VP8 codec.

/// A BGRA (X11 ZPixmap, little-endian 32 bpp) picture borrowed from a capture buffer.
#[derive(Debug, Clone, Copy)]
pub struct BgraFrame<'a> {
    pub width: u32,
    pub height: u32,
    /// Bytes per row (at least `width * 4`).
    pub stride: u32,
    pub data: &'a [u8],
}

impl BgraFrame<'_> {
    /// The blue, green, red bytes of the pixel at (x, y).
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = (y * self.stride + x * 4) as usize;
        [self.data[i], self.data[i + 1], self.data[i + 2]]
    }
}

/// A planar YUV 4:2:0 picture (BT.601, limited range): the Y plane has a stride of `width`,
/// the U and V planes of `(width + 1) / 2` and `(height + 1) / 2` rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct I420Frame {
    pub width: u32,
    pub height: u32,
    pub y: Vec<u8>,
    pub u: Vec<u8>,
    pub v: Vec<u8>,
}

impl I420Frame {
    /// A black picture of the given size.
    pub fn new(width: u32, height: u32) -> I420Frame {
        let (cw, ch) = (width.div_ceil(2) as usize, height.div_ceil(2) as usize);
        I420Frame { width, height, y: vec![16; (width * height) as usize], u: vec![128; cw * ch], v: vec![128; cw * ch] }
    }

    /// Row length of the U and V planes.
    pub fn chroma_stride(&self) -> u32 {
        self.width.div_ceil(2)
    }
}
