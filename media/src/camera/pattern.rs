//! A generated camera picture: 75 % colour bars over the top two thirds, a white box that moves
//! across a black band below them, and the frame number written as 32 large black/white cells
//! along the bottom, so a receiver can tell frames apart and read which one it got even after
//! lossy VP8 coding ([`TestPatternCamera::read_counter`]).

use super::{CameraError, CameraSource};
use crate::frame::I420Frame;

/// BT.601 limited-range (Y, U, V) of the seven 75 % bars: white, yellow, cyan, green, magenta,
/// red, blue.
const BARS: [(u8, u8, u8); 7] =
    [(180, 128, 128), (162, 44, 142), (131, 156, 44), (112, 72, 58), (84, 184, 198), (65, 100, 212), (35, 212, 114)];
const BLACK: (u8, u8, u8) = (16, 128, 128);
const WHITE: (u8, u8, u8) = (235, 128, 128);
/// Bits of the frame counter, one cell each.
const COUNTER_BITS: u32 = 32;
/// Pixels the box moves per frame.
const BOX_STEP: u32 = 4;

/// Colour bars, a moving box and a frame counter, at any size from 64x48 up.
#[derive(Debug, Clone)]
pub struct TestPatternCamera {
    width: u32,
    height: u32,
    frame_number: u32,
}

impl TestPatternCamera {
    /// The smallest frame whose counter cells are still two pixels wide.
    pub const MIN_SIZE: (u32, u32) = (64, 48);

    pub fn new(width: u32, height: u32) -> Result<TestPatternCamera, CameraError> {
        if width < Self::MIN_SIZE.0 || height < Self::MIN_SIZE.1 {
            return Err(CameraError::UnsupportedSize { width, height, reason: "the test pattern needs at least 64x48" });
        }
        if width > 8192 || height > 8192 {
            return Err(CameraError::UnsupportedSize { width, height, reason: "the test pattern is limited to 8192x8192" });
        }
        Ok(TestPatternCamera { width, height, frame_number: 0 })
    }

    /// The number the next frame will carry.
    pub fn next_number(&self) -> u32 {
        self.frame_number
    }

    /// Reads the frame number out of a test-pattern frame, by the luma at the centre of each
    /// counter cell; `None` if the frame is too small to be one.
    pub fn read_counter(frame: &I420Frame) -> Option<u32> {
        if frame.width < Self::MIN_SIZE.0 || frame.height < Self::MIN_SIZE.1 || !frame.is_well_formed() {
            return None;
        }
        let layout = Layout::of(frame.width, frame.height);
        let row = (layout.counter_top + frame.height) / 2;
        let mut number = 0u32;
        for bit in 0..COUNTER_BITS {
            let (left, right) = layout.counter_cell(bit);
            let luma = frame.y[row as usize * frame.y_stride() + ((left + right) / 2) as usize];
            if luma >= 128 {
                number |= 1 << (COUNTER_BITS - 1 - bit);
            }
        }
        Some(number)
    }

    fn draw(&self) -> I420Frame {
        let (width, height) = (self.width, self.height);
        let layout = Layout::of(width, height);
        let mut frame = I420Frame::filled(width, height, BLACK);
        for (i, &colour) in BARS.iter().enumerate() {
            let left = width * i as u32 / BARS.len() as u32;
            let right = width * (i as u32 + 1) / BARS.len() as u32;
            fill(&mut frame, left..right, 0..layout.band_top, colour);
        }
        let box_size = layout.counter_top - layout.band_top;
        let travel = width - box_size;
        // Back and forth rather than wrapping, so consecutive frames always differ.
        let period = 2 * travel / BOX_STEP;
        let phase = self.frame_number % period.max(1) * BOX_STEP;
        let left = if phase <= travel { phase } else { 2 * travel - phase };
        fill(&mut frame, left..left + box_size, layout.band_top..layout.counter_top, WHITE);
        for bit in 0..COUNTER_BITS {
            if self.frame_number >> (COUNTER_BITS - 1 - bit) & 1 == 1 {
                let (left, right) = layout.counter_cell(bit);
                fill(&mut frame, left..right, layout.counter_top..height, WHITE);
            }
        }
        frame
    }
}

impl CameraSource for TestPatternCamera {
    fn next_frame(&mut self) -> Result<I420Frame, CameraError> {
        let frame = self.draw();
        self.frame_number = self.frame_number.wrapping_add(1);
        Ok(frame)
    }

    fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }
}

/// Where the three regions start, in luma rows.
struct Layout {
    width: u32,
    band_top: u32,
    counter_top: u32,
}

impl Layout {
    fn of(width: u32, height: u32) -> Layout {
        // Even boundaries keep each region's chroma its own.
        Layout { width, band_top: (height * 2 / 3) & !1, counter_top: (height * 5 / 6) & !1 }
    }

    /// Left and right edge of counter cell `bit` (0 is the most significant).
    fn counter_cell(&self, bit: u32) -> (u32, u32) {
        (self.width * bit / COUNTER_BITS, self.width * (bit + 1) / COUNTER_BITS)
    }
}

/// Paints a rectangle of luma pixels, and the chroma samples whose top-left luma pixel lies in it.
fn fill(frame: &mut I420Frame, columns: std::ops::Range<u32>, rows: std::ops::Range<u32>, (y, u, v): (u8, u8, u8)) {
    let columns = columns.start as usize..(columns.end.min(frame.width)) as usize;
    let rows = rows.start as usize..(rows.end.min(frame.height)) as usize;
    let stride = frame.y_stride();
    for row in rows.clone() {
        frame.y[row * stride + columns.start..row * stride + columns.end].fill(y);
    }
    let chroma_stride = frame.chroma_width();
    let chroma_columns = columns.start.div_ceil(2)..columns.end.div_ceil(2);
    for row in rows.start.div_ceil(2)..rows.end.div_ceil(2) {
        let span = row * chroma_stride + chroma_columns.start..row * chroma_stride + chroma_columns.end;
        frame.u[span.clone()].fill(u);
        frame.v[span].fill(v);
    }
}
