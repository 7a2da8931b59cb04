//! Raw video frames as the encoders take them. One shape for every source (screen after
//! conversion, camera, test pattern) so the VP8 encoder needs to know only this.

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

/// One planar 4:2:0 frame (I420, BT.601 limited range): full-resolution luma, then quarter-resolution Cb and Cr.
///
/// Rows are packed: the Y stride is `width` and the U/V stride is `(width + 1) / 2`; the chroma
/// planes have `(height + 1) / 2` rows, so odd sizes keep their last column and row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct I420Frame {
    pub width: u32,
    pub height: u32,
    /// `width * height` bytes of luma.
    pub y: Vec<u8>,
    /// `chroma_width() * chroma_height()` bytes of Cb.
    pub u: Vec<u8>,
    /// `chroma_width() * chroma_height()` bytes of Cr.
    pub v: Vec<u8>,
}

impl I420Frame {
    /// A black picture of the given size.
    pub fn new(width: u32, height: u32) -> I420Frame {
        I420Frame::filled(width, height, (16, 128, 128))
    }

    /// Row length of the U and V planes, as libvpx and yuvutils want it.
    pub fn chroma_stride(&self) -> u32 {
        self.width.div_ceil(2)
    }

    /// A frame of the given size filled with one colour given as (Y, U, V).
    pub fn filled(width: u32, height: u32, (y, u, v): (u8, u8, u8)) -> I420Frame {
        let luma = width as usize * height as usize;
        let chroma = chroma_len(width) * chroma_len(height);
        I420Frame { width, height, y: vec![y; luma], u: vec![u; chroma], v: vec![v; chroma] }
    }

    /// Bytes per row of the Y plane.
    pub fn y_stride(&self) -> usize {
        self.width as usize
    }

    /// Bytes per row of the U and V planes.
    pub fn chroma_width(&self) -> usize {
        chroma_len(self.width)
    }

    /// Rows of the U and V planes.
    pub fn chroma_height(&self) -> usize {
        chroma_len(self.height)
    }

    /// Whether the three planes have the lengths the size calls for; frames built by hand or
    /// received from elsewhere should be checked before they reach an encoder.
    pub fn is_well_formed(&self) -> bool {
        let chroma = self.chroma_width() * self.chroma_height();
        self.y.len() == self.y_stride() * self.height as usize && self.u.len() == chroma && self.v.len() == chroma
    }
}

fn chroma_len(luma_len: u32) -> usize {
    (luma_len as usize).div_ceil(2)
}
