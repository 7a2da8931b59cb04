//! VP8 through libvpx (Debian's `libvpx-dev`, via `env-libvpx-sys`), behind a small safe
//! encoder and decoder. `vpx-encode`, named on the design card, exposes no speed, CBR,
//! screen-content mode, keyframe request or runtime bitrate, all of which a live share needs.

use crate::frame::I420Frame;
use std::ffi::CStr;
use std::mem::MaybeUninit;
use std::os::raw::c_int;
use vpx_sys as vpx;

/// Why libvpx refused.
#[derive(Debug, thiserror::Error)]
#[error("VP8 {what} failed: {detail}")]
pub struct CodecError {
    what: &'static str,
    detail: String,
}

fn check(ctx: *mut vpx::vpx_codec_ctx_t, what: &'static str, err: vpx::vpx_codec_err_t) -> Result<(), CodecError> {
    if err == vpx::vpx_codec_err_t::VPX_CODEC_OK {
        return Ok(());
    }
    // SAFETY: libvpx returns static strings; the context's detail is valid while it lives.
    let detail = unsafe {
        let base = CStr::from_ptr(vpx::vpx_codec_err_to_string(err)).to_string_lossy().into_owned();
        let extra = if ctx.is_null() { std::ptr::null() } else { vpx::vpx_codec_error_detail(ctx) };
        if extra.is_null() {
            base
        } else {
            format!("{base}: {}", CStr::from_ptr(extra).to_string_lossy())
        }
    };
    Err(CodecError { what, detail })
}

/// The fixed fastest VP8 speed, for screens: a picture is encoded as soon as possible (what the
/// CSR sees as lag) at the least cost to the customer's machine. With `cpu-used 12` libvpx
/// picks the speed itself and, at a share's 30 pictures per second, spends the time left over
/// on slower, sharper modes; at 1080p scrolling it ends at the fastest speed anyway.
pub const SCREEN_SPEED: i32 = -16;

/// How to encode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EncoderConfig {
    pub width: u32,
    pub height: u32,
    /// Target bitrate (CBR), kbit/s.
    pub bitrate_kbps: u32,
    /// libvpx `cpu-used` for realtime. VP8 reads its sign: `-1..=-16` is a fixed speed (16
    /// fastest and coarsest); `0..=16` asks libvpx to pick a speed per picture so that encoding
    /// takes about `(16 - n) / 16` of the frame interval — slower and sharper when time is left.
    pub speed: i32,
    pub threads: u32,
    /// Screen-content tuning (sharp text, large static areas).
    pub screen_content: bool,
    /// Longest run without a keyframe, in frames.
    pub keyframe_interval: u32,
}

impl EncoderConfig {
    /// Settings for sharing a screen of this size: fast, CBR, screen-content mode.
    pub fn screen(width: u32, height: u32) -> EncoderConfig {
        let pixels = width as u64 * height as u64;
        // ≈ 2.5 Mbit/s at 1080p, scaled by area, never below 300 kbit/s.
        let bitrate_kbps = ((pixels * 2500) / (1920 * 1080)).max(300) as u32;
        EncoderConfig { width, height, bitrate_kbps, speed: SCREEN_SPEED, threads: 2, screen_content: true, keyframe_interval: 3000 }
    }
}

/// One encoded frame.
#[derive(Debug, Clone)]
pub struct EncodedFrame {
    pub data: Vec<u8>,
    pub keyframe: bool,
    pub pts: i64,
}

/// A realtime VP8 encoder (one pass, CBR, no lag).
pub struct Encoder {
    ctx: Box<vpx::vpx_codec_ctx_t>,
    cfg: Box<vpx::vpx_codec_enc_cfg_t>,
    img: Box<vpx::vpx_image_t>,
    keyframe_wanted: bool,
}

// SAFETY: the codec context is used from one thread at a time (`&mut self`).
unsafe impl Send for Encoder {}

impl Encoder {
    pub fn new(config: EncoderConfig) -> Result<Encoder, CodecError> {
        // SAFETY: the structs are plain C data filled by libvpx before use; pointers passed to
        // libvpx point into boxes that live as long as the encoder.
        unsafe {
            let iface = vpx::vpx_codec_vp8_cx();
            let mut cfg: Box<vpx::vpx_codec_enc_cfg_t> = Box::new(MaybeUninit::zeroed().assume_init());
            check(std::ptr::null_mut(), "configuration", vpx::vpx_codec_enc_config_default(iface, &mut *cfg, 0))?;
            cfg.g_w = config.width;
            cfg.g_h = config.height;
            cfg.g_timebase = vpx::vpx_rational { num: 1, den: 1000 };
            cfg.g_threads = config.threads;
            cfg.g_lag_in_frames = 0;
            cfg.g_error_resilient = 1;
            cfg.g_pass = vpx::vpx_enc_pass::VPX_RC_ONE_PASS;
            cfg.rc_end_usage = vpx::vpx_rc_mode::VPX_CBR;
            cfg.rc_target_bitrate = config.bitrate_kbps;
            cfg.rc_min_quantizer = 2;
            cfg.rc_max_quantizer = 63;
            cfg.rc_undershoot_pct = 100;
            cfg.rc_overshoot_pct = 15;
            cfg.rc_buf_initial_sz = 500;
            cfg.rc_buf_optimal_sz = 600;
            cfg.rc_buf_sz = 1000;
            cfg.rc_dropframe_thresh = 0;
            cfg.kf_mode = vpx::vpx_kf_mode::VPX_KF_AUTO;
            cfg.kf_max_dist = config.keyframe_interval;
            let mut ctx: Box<vpx::vpx_codec_ctx_t> = Box::new(MaybeUninit::zeroed().assume_init());
            check(
                std::ptr::null_mut(),
                "encoder start",
                vpx::vpx_codec_enc_init_ver(&mut *ctx, iface, &*cfg, 0, vpx::VPX_ENCODER_ABI_VERSION as c_int),
            )?;
            let mut enc = Encoder { ctx, cfg, img: Box::new(MaybeUninit::zeroed().assume_init()), keyframe_wanted: true };
            enc.control(vpx::vp8e_enc_control_id::VP8E_SET_CPUUSED as c_int, config.speed)?;
            enc.control(vpx::vp8e_enc_control_id::VP8E_SET_STATIC_THRESHOLD as c_int, 1)?;
            enc.control(vpx::vp8e_enc_control_id::VP8E_SET_NOISE_SENSITIVITY as c_int, 0)?;
            enc.control(vpx::vp8e_enc_control_id::VP8E_SET_TOKEN_PARTITIONS as c_int, if config.threads > 1 { 3 } else { 0 })?;
            // Keyframes at most 3× an average frame, so a request does not stall the stream.
            enc.control(vpx::vp8e_enc_control_id::VP8E_SET_MAX_INTRA_BITRATE_PCT as c_int, 300)?;
            enc.control(vpx::vp8e_enc_control_id::VP8E_SET_SCREEN_CONTENT_MODE as c_int, if config.screen_content { 1 } else { 0 })?;
            Ok(enc)
        }
    }

    fn control(&mut self, id: c_int, value: c_int) -> Result<(), CodecError> {
        // SAFETY: the VP8E controls used here all take one int.
        let err = unsafe { vpx::vpx_codec_control_(&mut *self.ctx, id, value) };
        check(&mut *self.ctx, "control", err)
    }

    /// The size this encoder takes.
    pub fn size(&self) -> (u32, u32) {
        (self.cfg.g_w, self.cfg.g_h)
    }

    /// The next frame will be a keyframe (the receiver sent PLI/FIR or asked on `control`).
    pub fn request_keyframe(&mut self) {
        self.keyframe_wanted = true;
    }

    /// Follows the congestion controller: the new target applies from the next frame.
    pub fn set_bitrate(&mut self, kbps: u32) -> Result<(), CodecError> {
        self.cfg.rc_target_bitrate = kbps.max(50);
        // SAFETY: the context and configuration are alive and initialised.
        let err = unsafe { vpx::vpx_codec_enc_config_set(&mut *self.ctx, &*self.cfg) };
        check(&mut *self.ctx, "bitrate change", err)
    }

    pub fn bitrate_kbps(&self) -> u32 {
        self.cfg.rc_target_bitrate
    }

    /// Encodes `frame` shown at `pts_ms`; returns the encoded frame (realtime, no lag: one in,
    /// at most one out).
    pub fn encode(&mut self, frame: &I420Frame, pts_ms: i64) -> Result<Option<EncodedFrame>, CodecError> {
        if (frame.width, frame.height) != self.size() {
            return Err(CodecError {
                what: "encode",
                detail: format!("frame is {}×{}, encoder {:?}", frame.width, frame.height, self.size()),
            });
        }
        let flags = if std::mem::take(&mut self.keyframe_wanted) { vpx::VPX_EFLAG_FORCE_KF as i64 } else { 0 };
        // SAFETY: the image wraps `frame`'s planes, which outlive the call; libvpx reads them
        // during `vpx_codec_encode` only (no lag), and packets are copied out before returning.
        unsafe {
            let img = &mut *self.img;
            vpx::vpx_img_wrap(img, vpx::vpx_img_fmt::VPX_IMG_FMT_I420, frame.width, frame.height, 1, frame.y.as_ptr() as *mut u8);
            img.planes[0] = frame.y.as_ptr() as *mut u8;
            img.planes[1] = frame.u.as_ptr() as *mut u8;
            img.planes[2] = frame.v.as_ptr() as *mut u8;
            img.stride[0] = frame.width as c_int;
            img.stride[1] = frame.chroma_stride() as c_int;
            img.stride[2] = frame.chroma_stride() as c_int;
            let err = vpx::vpx_codec_encode(&mut *self.ctx, img, pts_ms, 1, flags, vpx::VPX_DL_REALTIME as _);
            check(&mut *self.ctx, "encode", err)?;
            let mut out: Option<EncodedFrame> = None;
            let mut iter: vpx::vpx_codec_iter_t = std::ptr::null();
            loop {
                let pkt = vpx::vpx_codec_get_cx_data(&mut *self.ctx, &mut iter);
                if pkt.is_null() {
                    break;
                }
                if (*pkt).kind != vpx::vpx_codec_cx_pkt_kind::VPX_CODEC_CX_FRAME_PKT {
                    continue;
                }
                let f = (*pkt).data.frame;
                let bytes = std::slice::from_raw_parts(f.buf as *const u8, f.sz as usize);
                let keyframe = f.flags & vpx::VPX_FRAME_IS_KEY != 0;
                match &mut out {
                    // Several partitions of one frame: join them.
                    Some(o) => {
                        o.data.extend_from_slice(bytes);
                        o.keyframe |= keyframe;
                    }
                    None => out = Some(EncodedFrame { data: bytes.to_vec(), keyframe, pts: f.pts }),
                }
            }
            Ok(out)
        }
    }
}

impl Drop for Encoder {
    fn drop(&mut self) {
        // SAFETY: the context was initialised in `new` and is destroyed once.
        unsafe {
            vpx::vpx_codec_destroy(&mut *self.ctx);
        }
    }
}

/// A VP8 decoder.
pub struct Decoder {
    ctx: Box<vpx::vpx_codec_ctx_t>,
}

// SAFETY: as for the encoder.
unsafe impl Send for Decoder {}

impl Decoder {
    pub fn new() -> Result<Decoder, CodecError> {
        // SAFETY: plain C initialisation of a boxed context.
        unsafe {
            let mut ctx: Box<vpx::vpx_codec_ctx_t> = Box::new(MaybeUninit::zeroed().assume_init());
            let cfg = vpx::vpx_codec_dec_cfg_t { threads: 2, w: 0, h: 0 };
            let err = vpx::vpx_codec_dec_init_ver(&mut *ctx, vpx::vpx_codec_vp8_dx(), &cfg, 0, vpx::VPX_DECODER_ABI_VERSION as c_int);
            check(std::ptr::null_mut(), "decoder start", err)?;
            Ok(Decoder { ctx })
        }
    }

    /// Decodes one whole frame; returns the picture it produced, if any.
    pub fn decode(&mut self, data: &[u8]) -> Result<Option<I420Frame>, CodecError> {
        // SAFETY: `data` outlives the call; the returned image is copied before the next call.
        unsafe {
            let err = vpx::vpx_codec_decode(&mut *self.ctx, data.as_ptr(), data.len() as _, std::ptr::null_mut(), 0);
            check(&mut *self.ctx, "decode", err)?;
            let mut iter: vpx::vpx_codec_iter_t = std::ptr::null();
            let mut last = None;
            loop {
                let img = vpx::vpx_codec_get_frame(&mut *self.ctx, &mut iter);
                if img.is_null() {
                    break;
                }
                last = Some(copy_image(&*img));
            }
            Ok(last)
        }
    }
}

impl Drop for Decoder {
    fn drop(&mut self) {
        // SAFETY: initialised in `new`, destroyed once.
        unsafe {
            vpx::vpx_codec_destroy(&mut *self.ctx);
        }
    }
}

/// Copies a decoded I420 image out of libvpx's buffers.
///
/// # Safety
/// `img` must be a valid I420 image from libvpx.
unsafe fn copy_image(img: &vpx::vpx_image_t) -> I420Frame {
    let (w, h) = (img.d_w, img.d_h);
    let mut out = I420Frame::new(w, h);
    let plane = |i: usize, pw: u32, ph: u32, dst: &mut Vec<u8>| {
        for row in 0..ph as usize {
            // SAFETY: libvpx guarantees `ph` rows of `stride` bytes per plane.
            let src = unsafe { std::slice::from_raw_parts(img.planes[i].offset(row as isize * img.stride[i] as isize), pw as usize) };
            dst[row * pw as usize..][..pw as usize].copy_from_slice(src);
        }
    };
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    plane(0, w, h, &mut out.y);
    plane(1, cw, ch, &mut out.u);
    plane(2, cw, ch, &mut out.v);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(w: u32, h: u32, shift: u32) -> I420Frame {
        let mut f = I420Frame::new(w, h);
        for y in 0..h {
            for x in 0..w {
                f.y[(y * w + x) as usize] = (16 + ((x + shift) * 200 / w) % 220) as u8;
            }
        }
        f
    }

    #[test]
    fn an_encoded_picture_decodes_close_to_the_original() {
        let mut enc = Encoder::new(EncoderConfig { bitrate_kbps: 2000, ..EncoderConfig::screen(320, 240) }).unwrap();
        let mut dec = Decoder::new().unwrap();
        let mut last = None;
        for i in 0..10 {
            let src = gradient(320, 240, i);
            let f = enc.encode(&src, i as i64 * 33).unwrap().expect("realtime encoding gives one frame per picture");
            assert_eq!(f.keyframe, i == 0, "only the first frame is a keyframe");
            last = Some((src, dec.decode(&f.data).unwrap().expect("a picture")));
        }
        let (src, got) = last.unwrap();
        let err: f64 = src.y.iter().zip(&got.y).map(|(a, b)| (*a as f64 - *b as f64).abs()).sum::<f64>() / src.y.len() as f64;
        assert!(err < 3.0, "mean luma error {err}");
    }

    #[test]
    fn a_keyframe_comes_when_asked() {
        let mut enc = Encoder::new(EncoderConfig::screen(160, 120)).unwrap();
        let pic = gradient(160, 120, 0);
        assert!(enc.encode(&pic, 0).unwrap().unwrap().keyframe);
        assert!(!enc.encode(&pic, 33).unwrap().unwrap().keyframe);
        enc.request_keyframe();
        assert!(enc.encode(&pic, 66).unwrap().unwrap().keyframe);
        enc.set_bitrate(500).unwrap();
        assert!(!enc.encode(&pic, 99).unwrap().unwrap().keyframe);
    }

    #[test]
    fn a_frame_of_the_wrong_size_is_refused() {
        let mut enc = Encoder::new(EncoderConfig::screen(160, 120)).unwrap();
        assert!(enc.encode(&I420Frame::new(320, 240), 0).is_err());
    }

    #[test]
    fn garbage_does_not_decode() {
        let mut dec = Decoder::new().unwrap();
        assert!(dec.decode(&[0xff; 64]).is_err());
    }
}
