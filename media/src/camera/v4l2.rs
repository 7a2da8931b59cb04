//! Linux cameras through Video4Linux2: memory-mapped streaming of YUYV (which every UVC webcam
//! offers) or I420 frames, converted to [`I420Frame`]. Only the ioctls needed for that are
//! declared here, with the kernel's 64-bit layouts; the conversion is plain code, tested apart.
//!
//! The ioctl part has not run against a real camera on the project's machines (they have
//! none); it follows `linux/videodev2.h` and fails with a clear [`CameraError`] on anything
//! unexpected rather than guessing.

use super::{CameraError, CameraSource};
use crate::frame::I420Frame;
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

/// How long [`CameraSource::next_frame`] waits for a frame before calling the camera lost.
const FRAME_TIMEOUT: Duration = Duration::from_secs(2);
/// Buffers the driver fills in turn while the caller encodes.
const BUFFER_COUNT: u32 = 4;

const BUF_TYPE_VIDEO_CAPTURE: u32 = 1;
const MEMORY_MMAP: u32 = 1;
const FIELD_NONE: u32 = 1;
const CAP_VIDEO_CAPTURE: u32 = 0x0000_0001;
const CAP_STREAMING: u32 = 0x0400_0000;
const CAP_DEVICE_CAPS: u32 = 0x8000_0000;

const fn fourcc(code: &[u8; 4]) -> u32 {
    code[0] as u32 | (code[1] as u32) << 8 | (code[2] as u32) << 16 | (code[3] as u32) << 24
}
const PIX_YUYV: u32 = fourcc(b"YUYV");
const PIX_I420: u32 = fourcc(b"YU12");

#[repr(C)]
struct Capability {
    driver: [u8; 16],
    card: [u8; 32],
    bus_info: [u8; 32],
    version: u32,
    capabilities: u32,
    device_caps: u32,
    reserved: [u32; 3],
}

#[repr(C)]
#[derive(Clone, Copy)]
struct PixFormat {
    width: u32,
    height: u32,
    pixelformat: u32,
    field: u32,
    bytesperline: u32,
    sizeimage: u32,
    colorspace: u32,
    private: u32,
    flags: u32,
    ycbcr_enc: u32,
    quantization: u32,
    xfer_func: u32,
}

/// `struct v4l2_format`: the kernel's union holds pointers, hence the 8-byte alignment.
#[repr(C)]
union FormatUnion {
    pix: PixFormat,
    raw: [u64; 25],
}

#[repr(C)]
struct Format {
    kind: u32,
    fmt: FormatUnion,
}

#[repr(C)]
struct RequestBuffers {
    count: u32,
    kind: u32,
    memory: u32,
    capabilities: u32,
    flags: u8,
    reserved: [u8; 3],
}

#[repr(C)]
struct Buffer {
    index: u32,
    kind: u32,
    bytesused: u32,
    flags: u32,
    field: u32,
    timestamp: libc::timeval,
    timecode: [u32; 4],
    sequence: u32,
    memory: u32,
    /// `m.offset` for memory-mapped buffers (the union is pointer-sized).
    offset: u64,
    length: u32,
    reserved2: u32,
    request_fd: u32,
}

const _: () = assert!(std::mem::size_of::<Capability>() == 104);
const _: () = assert!(std::mem::size_of::<Format>() == 208);
const _: () = assert!(std::mem::size_of::<RequestBuffers>() == 20);
const _: () = assert!(std::mem::size_of::<Buffer>() == 88);

/// `_IOC(dir, 'V', nr, size)` as the generic Linux ioctl encoding has it.
const fn ioc(dir: u32, nr: u32, size: usize) -> u32 {
    dir << 30 | (size as u32) << 16 | (b'V' as u32) << 8 | nr
}
const READ: u32 = 2;
const WRITE: u32 = 1;
const VIDIOC_QUERYCAP: u32 = ioc(READ, 0, std::mem::size_of::<Capability>());
const VIDIOC_S_FMT: u32 = ioc(READ | WRITE, 5, std::mem::size_of::<Format>());
const VIDIOC_REQBUFS: u32 = ioc(READ | WRITE, 8, std::mem::size_of::<RequestBuffers>());
const VIDIOC_QUERYBUF: u32 = ioc(READ | WRITE, 9, std::mem::size_of::<Buffer>());
const VIDIOC_QBUF: u32 = ioc(READ | WRITE, 15, std::mem::size_of::<Buffer>());
const VIDIOC_DQBUF: u32 = ioc(READ | WRITE, 17, std::mem::size_of::<Buffer>());
const VIDIOC_STREAMON: u32 = ioc(WRITE, 18, std::mem::size_of::<libc::c_int>());
const VIDIOC_STREAMOFF: u32 = ioc(WRITE, 19, std::mem::size_of::<libc::c_int>());

/// Runs one ioctl on `fd` with `arg`, retrying when a signal interrupts it.
///
/// # Safety
/// `T` must be the type the kernel expects for `request`.
unsafe fn ioctl<T>(fd: &OwnedFd, request: u32, arg: &mut T) -> std::io::Result<()> {
    loop {
        // SAFETY: the caller guarantees `arg` has the layout `request` reads and writes.
        if unsafe { libc::ioctl(fd.as_raw_fd(), request as _, arg as *mut T) } != -1 {
            return Ok(());
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

/// One driver buffer mapped into this process.
struct Mapping {
    start: *mut u8,
    length: usize,
}

// SAFETY: the mapping is owned by one `V4l2Camera` and only read through `&mut self`.
unsafe impl Send for Mapping {}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `start`/`length` are what mmap returned; nothing borrows the memory any more.
        unsafe { libc::munmap(self.start.cast(), self.length) };
    }
}

/// A V4L2 capture device streaming into memory-mapped buffers.
pub(crate) struct V4l2Camera {
    // Field order matters: the mappings go before the descriptor that backs them.
    mappings: Vec<Mapping>,
    fd: OwnedFd,
    width: u32,
    height: u32,
    pixel_format: u32,
    bytes_per_line: u32,
}

impl V4l2Camera {
    /// Opens `path`, asks for `width` x `height` (the driver picks the nearest size it has) and
    /// starts streaming.
    pub(crate) fn open(path: &str, width: u32, height: u32) -> Result<V4l2Camera, CameraError> {
        let fail = |what: &str, error: std::io::Error| CameraError::NoDevice { reason: format!("{path}: {what}: {error}") };
        let c_path = CString::new(path).map_err(|_| CameraError::NoDevice { reason: format!("{path}: not a device path") })?;
        // SAFETY: a valid C string; the descriptor is owned right away.
        let raw = unsafe { libc::open(c_path.as_ptr(), libc::O_RDWR | libc::O_NONBLOCK | libc::O_CLOEXEC) };
        if raw < 0 {
            return Err(fail("cannot open it", std::io::Error::last_os_error()));
        }
        // SAFETY: `raw` is a fresh descriptor nobody else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };

        // SAFETY (all ioctls below): each argument is the struct the request is declared with.
        let mut cap: Capability = unsafe { std::mem::zeroed() };
        unsafe { ioctl(&fd, VIDIOC_QUERYCAP, &mut cap) }.map_err(|e| fail("not a V4L2 device", e))?;
        let caps = if cap.capabilities & CAP_DEVICE_CAPS != 0 { cap.device_caps } else { cap.capabilities };
        if caps & CAP_VIDEO_CAPTURE == 0 || caps & CAP_STREAMING == 0 {
            return Err(CameraError::NoDevice { reason: format!("{path} is not a streaming video capture device") });
        }

        let mut format: Format = unsafe { std::mem::zeroed() };
        format.kind = BUF_TYPE_VIDEO_CAPTURE;
        format.fmt.pix = PixFormat { width, height, pixelformat: PIX_YUYV, field: FIELD_NONE, ..unsafe { std::mem::zeroed() } };
        unsafe { ioctl(&fd, VIDIOC_S_FMT, &mut format) }.map_err(|e| fail("cannot set a YUYV format", e))?;
        // SAFETY: the driver filled the `pix` member for a capture buffer type.
        let pix = unsafe { format.fmt.pix };
        if pix.pixelformat != PIX_YUYV && pix.pixelformat != PIX_I420 {
            let code = pix.pixelformat.to_le_bytes();
            return Err(CameraError::NoDevice {
                reason: format!("{path} offers only {} frames, which are not supported", String::from_utf8_lossy(&code)),
            });
        }

        let mut request = RequestBuffers {
            count: BUFFER_COUNT,
            kind: BUF_TYPE_VIDEO_CAPTURE,
            memory: MEMORY_MMAP,
            capabilities: 0,
            flags: 0,
            reserved: [0; 3],
        };
        unsafe { ioctl(&fd, VIDIOC_REQBUFS, &mut request) }.map_err(|e| fail("cannot get capture buffers", e))?;
        let mut mappings = Vec::new();
        for index in 0..request.count {
            let mut buffer = new_buffer(index);
            unsafe { ioctl(&fd, VIDIOC_QUERYBUF, &mut buffer) }.map_err(|e| fail("cannot query a buffer", e))?;
            let length = buffer.length as usize;
            // SAFETY: maps the driver's buffer as the kernel described it.
            let start = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    length,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_SHARED,
                    fd.as_raw_fd(),
                    buffer.offset as libc::off_t,
                )
            };
            if start == libc::MAP_FAILED {
                return Err(fail("cannot map a buffer", std::io::Error::last_os_error()));
            }
            mappings.push(Mapping { start: start.cast(), length });
            unsafe { ioctl(&fd, VIDIOC_QBUF, &mut buffer) }.map_err(|e| fail("cannot queue a buffer", e))?;
        }
        let mut kind = BUF_TYPE_VIDEO_CAPTURE as libc::c_int;
        unsafe { ioctl(&fd, VIDIOC_STREAMON, &mut kind) }.map_err(|e| fail("cannot start streaming", e))?;
        Ok(V4l2Camera {
            mappings,
            fd,
            width: pix.width,
            height: pix.height,
            pixel_format: pix.pixelformat,
            bytes_per_line: pix.bytesperline,
        })
    }

    /// Waits until the driver has a filled buffer.
    fn wait_readable(&self) -> Result<(), CameraError> {
        let mut poll = libc::pollfd { fd: self.fd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        // SAFETY: one valid pollfd.
        let ready = unsafe { libc::poll(&mut poll, 1, FRAME_TIMEOUT.as_millis() as libc::c_int) };
        match ready {
            1.. if poll.revents & libc::POLLIN != 0 => Ok(()),
            0 => Err(CameraError::DeviceLost { reason: format!("no frame for {} s", FRAME_TIMEOUT.as_secs()) }),
            _ => Err(CameraError::DeviceLost { reason: format!("the device stopped ({})", std::io::Error::last_os_error()) }),
        }
    }
}

fn new_buffer(index: u32) -> Buffer {
    // SAFETY: all-zero is a valid `v4l2_buffer`.
    let mut buffer: Buffer = unsafe { std::mem::zeroed() };
    buffer.index = index;
    buffer.kind = BUF_TYPE_VIDEO_CAPTURE;
    buffer.memory = MEMORY_MMAP;
    buffer
}

impl CameraSource for V4l2Camera {
    fn next_frame(&mut self) -> Result<I420Frame, CameraError> {
        let mut buffer = new_buffer(0);
        loop {
            self.wait_readable()?;
            // SAFETY: a `v4l2_buffer` for VIDIOC_DQBUF.
            match unsafe { ioctl(&self.fd, VIDIOC_DQBUF, &mut buffer) } {
                Ok(()) => break,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(CameraError::DeviceLost { reason: e.to_string() }),
            }
        }
        let mapping = self
            .mappings
            .get(buffer.index as usize)
            .ok_or_else(|| CameraError::DeviceLost { reason: "the driver returned an unknown buffer".into() })?;
        let used = (buffer.bytesused as usize).min(mapping.length);
        // SAFETY: the driver handed this buffer back to us; it is not requeued until after the copy.
        let data = unsafe { std::slice::from_raw_parts(mapping.start, used) };
        let frame = match self.pixel_format {
            PIX_YUYV => yuyv_to_i420(data, self.width, self.height, self.bytes_per_line as usize),
            _ => i420_from_planes(data, self.width, self.height, self.bytes_per_line as usize),
        };
        // SAFETY: requeues the buffer just dequeued.
        unsafe { ioctl(&self.fd, VIDIOC_QBUF, &mut buffer) }.map_err(|e| CameraError::DeviceLost { reason: e.to_string() })?;
        frame.ok_or_else(|| CameraError::DeviceLost { reason: format!("a short frame of {used} bytes") })
    }

    fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }
}

impl Drop for V4l2Camera {
    fn drop(&mut self) {
        let mut kind = BUF_TYPE_VIDEO_CAPTURE as libc::c_int;
        // SAFETY: an int for VIDIOC_STREAMOFF; a failure only means it already stopped.
        let _ = unsafe { ioctl(&self.fd, VIDIOC_STREAMOFF, &mut kind) };
    }
}

/// Converts packed 4:2:2 YUYV (Y0 U Y1 V per two pixels) to I420, averaging the chroma of each
/// pair of rows. `None` if `data` is shorter than the size says.
pub(crate) fn yuyv_to_i420(data: &[u8], width: u32, height: u32, stride: usize) -> Option<I420Frame> {
    let (w, h) = (width as usize, height as usize);
    let stride = stride.max(w * 2);
    if h == 0 || data.len() < stride * (h - 1) + w * 2 {
        return None;
    }
    let mut frame = I420Frame::filled(width, height, (0, 128, 128));
    let chroma_width = frame.chroma_width();
    for row in 0..h {
        let line = &data[row * stride..row * stride + w * 2];
        for (x, luma) in frame.y[row * w..(row + 1) * w].iter_mut().enumerate() {
            *luma = line[x * 2];
        }
    }
    for chroma_row in 0..frame.chroma_height() {
        let top = &data[chroma_row * 2 * stride..];
        let bottom_row = (chroma_row * 2 + 1).min(h - 1);
        let bottom = &data[bottom_row * stride..];
        for x in 0..chroma_width {
            // The pair's U at byte 1 and V at byte 3; an odd last column reuses its own pair.
            let pair = (x * 4).min((w - 1) / 2 * 4);
            let average = |offset: usize| (u16::from(top[pair + offset]) + u16::from(bottom[pair + offset])).div_ceil(2) as u8;
            frame.u[chroma_row * chroma_width + x] = average(1);
            frame.v[chroma_row * chroma_width + x] = average(3);
        }
    }
    Some(frame)
}

/// Copies planar I420 with luma stride `stride` (chroma stride half of it) into a packed frame.
fn i420_from_planes(data: &[u8], width: u32, height: u32, stride: usize) -> Option<I420Frame> {
    let (w, h) = (width as usize, height as usize);
    let stride = stride.max(w);
    let mut frame = I420Frame::filled(width, height, (0, 128, 128));
    let (cw, ch, chroma_stride) = (frame.chroma_width(), frame.chroma_height(), stride.div_ceil(2));
    let u_start = stride * h;
    let v_start = u_start + chroma_stride * ch;
    if data.len() < v_start + chroma_stride * ch {
        return None;
    }
    for row in 0..h {
        frame.y[row * w..(row + 1) * w].copy_from_slice(&data[row * stride..row * stride + w]);
    }
    for row in 0..ch {
        frame.u[row * cw..(row + 1) * cw].copy_from_slice(&data[u_start + row * chroma_stride..][..cw]);
        frame.v[row * cw..(row + 1) * cw].copy_from_slice(&data[v_start + row * chroma_stride..][..cw]);
    }
    Some(frame)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuyv_becomes_i420_with_chroma_averaged_over_row_pairs() {
        // 4x2 pixels: row 0 has U=100,V=200; row 1 has U=50,V=150 (and 110/210 in the second pair).
        let data = [10, 100, 11, 200, 12, 100, 13, 200, 20, 50, 21, 150, 22, 110, 23, 210];
        let frame = yuyv_to_i420(&data, 4, 2, 8).unwrap();
        assert_eq!(frame.y, vec![10, 11, 12, 13, 20, 21, 22, 23]);
        assert_eq!(frame.u, vec![75, 105]);
        assert_eq!(frame.v, vec![175, 205]);
        assert!(frame.is_well_formed());
    }

    #[test]
    fn yuyv_rows_with_padding_and_odd_sizes_convert() {
        // 3x3 pixels in rows of 8 bytes (6 used, 2 of padding).
        let mut data = Vec::new();
        for row in 0..3u8 {
            data.extend_from_slice(&[row * 10, 128, row * 10 + 1, 128, row * 10 + 2, 128, 0xEE, 0xEE]);
        }
        let frame = yuyv_to_i420(&data, 3, 3, 8).unwrap();
        assert_eq!(frame.y, vec![0, 1, 2, 10, 11, 12, 20, 21, 22]);
        assert_eq!((frame.u.len(), frame.v.len()), (4, 4));
        assert!(frame.is_well_formed());
        assert!(yuyv_to_i420(&data[..10], 3, 3, 8).is_none(), "a short buffer is refused");
    }

    #[test]
    fn a_file_that_is_not_a_camera_is_refused_with_its_name() {
        let error = V4l2Camera::open("/dev/null", 640, 480).err().expect("/dev/null is no camera");
        assert!(matches!(error, CameraError::NoDevice { .. }), "{error:?}");
        assert!(error.to_string().contains("/dev/null: not a V4L2 device"), "{error}");
        let error = V4l2Camera::open("/nonexistent/video0", 640, 480).err().expect("no such file");
        assert!(error.to_string().contains("cannot open it"), "{error}");
    }

    #[test]
    fn ioctl_numbers_match_the_kernel_headers() {
        assert_eq!(VIDIOC_QUERYCAP, 0x8068_5600);
        assert_eq!(VIDIOC_S_FMT, 0xC0D0_5605);
        assert_eq!(VIDIOC_REQBUFS, 0xC014_5608);
        assert_eq!(VIDIOC_QBUF, 0xC058_560F);
        assert_eq!(VIDIOC_DQBUF, 0xC058_5611);
        assert_eq!(VIDIOC_STREAMON, 0x4004_5612);
    }
}
