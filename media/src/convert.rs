//! Colour conversion between captured BGRA and the codec's I420, through yuvutils-rs (SIMD:
//! AVX2/SSE on x86, NEON on ARM), BT.601 limited range as VP8 receivers assume.

use crate::frame::{BgraFrame, I420Frame};
use yuvutils_rs::{BufferStoreMut, YuvConversionMode, YuvPlanarImage, YuvPlanarImageMut, YuvRange, YuvStandardMatrix};

/// A conversion failed: the sizes of source and destination disagree.
#[derive(Debug, thiserror::Error)]
#[error("colour conversion failed: {0}")]
pub struct ConvertError(String);

/// Converts `src` into `dst`, resizing `dst`'s planes when the picture size changed.
pub fn bgra_to_i420(src: &BgraFrame<'_>, dst: &mut I420Frame) -> Result<(), ConvertError> {
    if dst.width != src.width || dst.height != src.height {
        *dst = I420Frame::new(src.width, src.height);
    }
    let cs = dst.chroma_stride();
    let mut planar = YuvPlanarImageMut {
        y_plane: BufferStoreMut::Borrowed(&mut dst.y),
        y_stride: src.width,
        u_plane: BufferStoreMut::Borrowed(&mut dst.u),
        u_stride: cs,
        v_plane: BufferStoreMut::Borrowed(&mut dst.v),
        v_stride: cs,
        width: src.width,
        height: src.height,
    };
    yuvutils_rs::bgra_to_yuv420(&mut planar, src.data, src.stride, YuvRange::Limited, YuvStandardMatrix::Bt601, YuvConversionMode::Fast)
        .map_err(|e| ConvertError(e.to_string()))
}

/// Converts an I420 picture into tightly packed BGRA (stride `width * 4`).
pub fn i420_to_bgra(src: &I420Frame, dst: &mut Vec<u8>) -> Result<(), ConvertError> {
    dst.resize((src.width * src.height * 4) as usize, 0);
    let planar = YuvPlanarImage {
        y_plane: &src.y,
        y_stride: src.width,
        u_plane: &src.u,
        u_stride: src.chroma_stride(),
        v_plane: &src.v,
        v_stride: src.chroma_stride(),
        width: src.width,
        height: src.height,
    };
    yuvutils_rs::yuv420_to_bgra(&planar, dst, src.width * 4, YuvRange::Limited, YuvStandardMatrix::Bt601)
        .map_err(|e| ConvertError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_solid_colour_survives_the_round_trip_within_a_few_levels() {
        let (w, h) = (64u32, 48u32);
        let mut bgra = Vec::new();
        for _ in 0..w * h {
            bgra.extend_from_slice(&[200, 60, 30, 255]);
        }
        let src = BgraFrame { width: w, height: h, stride: w * 4, data: &bgra };
        let mut yuv = I420Frame::new(1, 1);
        bgra_to_i420(&src, &mut yuv).unwrap();
        let mut back = Vec::new();
        i420_to_bgra(&yuv, &mut back).unwrap();
        for (a, b) in bgra.chunks(4).zip(back.chunks(4)) {
            for c in 0..3 {
                assert!((a[c] as i32 - b[c] as i32).abs() <= 4, "{a:?} became {b:?}");
            }
        }
    }

    #[test]
    fn odd_sizes_convert() {
        let (w, h) = (33u32, 17u32);
        let bgra = vec![128u8; (w * h * 4) as usize];
        let mut yuv = I420Frame::new(1, 1);
        bgra_to_i420(&BgraFrame { width: w, height: h, stride: w * 4, data: &bgra }, &mut yuv).unwrap();
        assert_eq!((yuv.width, yuv.height, yuv.u.len()), (33, 17, 17 * 9));
    }
}
