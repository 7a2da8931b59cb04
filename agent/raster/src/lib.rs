//! egui's output drawn on the CPU, without I/O: keeps the textures egui sends (font atlas,
//! pictures), fills each mesh's triangles inside its clip rectangle and blends them into a
//! 0x00RRGGBB frame the shell presents. No OpenGL is loaded for a window this small.
//!
//! Colours are egui's: premultiplied alpha in gamma space; a pixel is the vertex colour times the
//! texture's sample (nearest), blended source-over.

use egui::epaint::{ClippedPrimitive, Color32, ImageData, Mesh, Primitive, TextureId, Vertex};
use egui::TexturesDelta;
use std::collections::HashMap;

/// A texture as egui last set it (premultiplied pixels, row by row).
struct Texture {
    width: usize,
    height: usize,
    pixels: Vec<Color32>,
}

impl Texture {
    fn sample(&self, u: f32, v: f32) -> Color32 {
        let x = ((u * self.width as f32) as isize).clamp(0, self.width as isize - 1) as usize;
        let y = ((v * self.height as f32) as isize).clamp(0, self.height as isize - 1) as usize;
        self.pixels.get(y * self.width + x).copied().unwrap_or(Color32::TRANSPARENT)
    }
}

/// A frame to draw into: `width × height` pixels, 0x00RRGGBB, row by row.
pub struct Frame<'a> {
    pub pixels: &'a mut [u32],
    pub width: usize,
    pub height: usize,
}

#[derive(Default)]
pub struct Raster {
    textures: HashMap<TextureId, Texture>,
}

impl Raster {
    pub fn new() -> Raster {
        Raster::default()
    }

    /// Takes in the textures set (whole, or a patch at a position) before painting.
    pub fn set_textures(&mut self, delta: &TexturesDelta) {
        for (id, d) in delta.set.iter().flat_map(|(id, ds)| ds.iter().map(move |d| (id, d))) {
            let ImageData::Color(image) = &d.image;
            let [w, h] = image.size;
            match d.pos {
                None => {
                    self.textures.insert(*id, Texture { width: w, height: h, pixels: image.pixels.clone() });
                }
                Some([x0, y0]) => {
                    let Some(t) = self.textures.get_mut(id) else { continue };
                    for y in 0..h {
                        for x in 0..w {
                            let (tx, ty) = (x0 + x, y0 + y);
                            if tx < t.width && ty < t.height {
                                t.pixels[ty * t.width + tx] = image.pixels[y * w + x];
                            }
                        }
                    }
                }
            }
        }
    }

    /// Forgets the textures freed, after painting; `delta` is used up.
    pub fn free_textures(&mut self, mut delta: TexturesDelta) {
        for id in &delta.free {
            self.textures.remove(id);
        }
        delta.clear();
    }

    /// Clears `frame` to `background` and draws `primitives` at `pixels_per_point`.
    pub fn paint(&self, frame: &mut Frame, background: u32, pixels_per_point: f32, primitives: &[ClippedPrimitive]) {
        frame.pixels.fill(background);
        for p in primitives {
            let Primitive::Mesh(mesh) = &p.primitive else { continue };
            let clip = p.clip_rect;
            let clip = Clip {
                x0: ((clip.min.x * pixels_per_point).round().max(0.0) as usize),
                y0: ((clip.min.y * pixels_per_point).round().max(0.0) as usize),
                x1: ((clip.max.x * pixels_per_point).round().max(0.0) as usize).min(frame.width),
                y1: ((clip.max.y * pixels_per_point).round().max(0.0) as usize).min(frame.height),
            };
            if clip.x0 >= clip.x1 || clip.y0 >= clip.y1 {
                continue;
            }
            self.mesh(frame, &clip, pixels_per_point, mesh);
        }
    }

    fn mesh(&self, frame: &mut Frame, clip: &Clip, ppp: f32, mesh: &Mesh) {
        let Some(texture) = self.textures.get(&mesh.texture_id) else { return };
        for tri in mesh.indices.chunks_exact(3) {
            let (Some(a), Some(b), Some(c)) =
                (mesh.vertices.get(tri[0] as usize), mesh.vertices.get(tri[1] as usize), mesh.vertices.get(tri[2] as usize))
            else {
                continue;
            };
            triangle(frame, clip, ppp, texture, [a, b, c]);
        }
    }
}

struct Clip {
    x0: usize,
    y0: usize,
    x1: usize,
    y1: usize,
}

/// Fills one triangle: pixels whose centre is inside (top-left rule on the edges, so triangles
/// sharing an edge blend it once).
fn triangle(frame: &mut Frame, clip: &Clip, ppp: f32, texture: &Texture, v: [&Vertex; 3]) {
    let p = v.map(|v| (v.pos.x * ppp, v.pos.y * ppp));
    let mut area = (p[1].0 - p[0].0) * (p[2].1 - p[0].1) - (p[1].1 - p[0].1) * (p[2].0 - p[0].0);
    if area == 0.0 || !area.is_finite() {
        return;
    }
    // Counter-clockwise on screen (y down) from here on.
    let (p, v) = if area < 0.0 {
        area = -area;
        ([p[0], p[2], p[1]], [v[0], v[2], v[1]])
    } else {
        (p, v)
    };
    let min_x = p.iter().map(|q| q.0).fold(f32::INFINITY, f32::min).floor().max(clip.x0 as f32) as usize;
    let min_y = p.iter().map(|q| q.1).fold(f32::INFINITY, f32::min).floor().max(clip.y0 as f32) as usize;
    let max_x = (p.iter().map(|q| q.0).fold(f32::NEG_INFINITY, f32::max).ceil().max(0.0) as usize).min(clip.x1);
    let max_y = (p.iter().map(|q| q.1).fold(f32::NEG_INFINITY, f32::max).ceil().max(0.0) as usize).min(clip.y1);
    if min_x >= max_x || min_y >= max_y {
        return;
    }
    // Edge i is opposite vertex i: from p[i+1] to p[i+2].
    let edge = |i: usize| {
        let (a, b) = (p[(i + 1) % 3], p[(i + 2) % 3]);
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        // w(x, y) = (x - a.x) * dy' ... written as A*x + B*y + C, positive inside.
        let (ea, eb) = (-dy, dx);
        let ec = -(ea * a.0 + eb * a.1);
        // Top-left rule for y-down, positive-inside winding.
        let top_left = (dy == 0.0 && dx < 0.0) || dy > 0.0;
        (ea, eb, ec, top_left)
    };
    let e = [edge(0), edge(1), edge(2)];
    let inside = |w: f32, top_left: bool| w > 0.0 || (w == 0.0 && top_left);
    let flat = v[0].color == v[1].color && v[1].color == v[2].color && v[0].uv == v[1].uv && v[1].uv == v[2].uv;
    let flat_colour = multiply(v[0].color, texture.sample(v[0].uv.x, v[0].uv.y));
    if flat && flat_colour.a() == 0 && flat_colour == Color32::TRANSPARENT {
        return;
    }
    for y in min_y..max_y {
        let py = y as f32 + 0.5;
        let row = &mut frame.pixels[y * frame.width..(y + 1) * frame.width];
        for (x, dst) in row.iter_mut().enumerate().take(max_x).skip(min_x) {
            let px = x as f32 + 0.5;
            let w = e.map(|(a, b, c, _)| a * px + b * py + c);
            if !(inside(w[0], e[0].3) && inside(w[1], e[1].3) && inside(w[2], e[2].3)) {
                continue;
            }
            let src = if flat {
                flat_colour
            } else {
                let (l0, l1, l2) = (w[0] / area, w[1] / area, w[2] / area);
                let u = l0 * v[0].uv.x + l1 * v[1].uv.x + l2 * v[2].uv.x;
                let t = l0 * v[0].uv.y + l1 * v[1].uv.y + l2 * v[2].uv.y;
                let colour = lerp3(v.map(|v| v.color), [l0, l1, l2]);
                multiply(colour, texture.sample(u, t))
            };
            *dst = blend(src, *dst);
        }
    }
}

fn lerp3(c: [Color32; 3], l: [f32; 3]) -> Color32 {
    let ch = |i: usize| {
        let f = |k: usize| c[k].to_array()[i] as f32 * l[k];
        (f(0) + f(1) + f(2)).round().clamp(0.0, 255.0) as u8
    };
    Color32::from_rgba_premultiplied(ch(0), ch(1), ch(2), ch(3))
}

fn multiply(a: Color32, b: Color32) -> Color32 {
    let m = |x: u8, y: u8| ((x as u16 * y as u16 + 127) / 255) as u8;
    Color32::from_rgba_premultiplied(m(a.r(), b.r()), m(a.g(), b.g()), m(a.b(), b.b()), m(a.a(), b.a()))
}

/// Source-over of a premultiplied colour onto an opaque 0x00RRGGBB pixel.
fn blend(src: Color32, dst: u32) -> u32 {
    let a = src.a() as u32;
    if a == 255 {
        return (src.r() as u32) << 16 | (src.g() as u32) << 8 | src.b() as u32;
    }
    let keep = 255 - a;
    let ch = |s: u8, shift: u32| {
        let d = (dst >> shift) & 0xff;
        ((s as u32 + (d * keep + 127) / 255).min(255)) << shift
    };
    ch(src.r(), 16) | ch(src.g(), 8) | ch(src.b(), 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::epaint::{ColorImage, ImageDelta, Rect};
    use egui::TextureOptions;
    use egui::{pos2, Pos2};

    const TEX: TextureId = TextureId::Managed(0);

    fn apply(r: &mut Raster, delta: TexturesDelta) {
        r.set_textures(&delta);
        r.free_textures(delta);
    }

    fn set(d: ImageDelta) -> TexturesDelta {
        let mut delta = TexturesDelta::default();
        delta.set.insert(TEX, vec![d].into());
        delta
    }

    fn white_texture(raster: &mut Raster) {
        let image = ColorImage::new([1, 1], vec![Color32::WHITE]);
        apply(raster, set(ImageDelta::full(image, TextureOptions::NEAREST)));
    }

    fn quad(rect: Rect, colour: Color32, uv: Rect) -> Mesh {
        let mut mesh = Mesh::with_texture(TEX);
        mesh.add_rect_with_uv(rect, uv, colour);
        mesh
    }

    fn paint(raster: &Raster, mesh: Mesh, clip: Rect, size: (usize, usize), ppp: f32) -> Vec<u32> {
        let mut pixels = vec![0; size.0 * size.1];
        let mut frame = Frame { pixels: &mut pixels, width: size.0, height: size.1 };
        raster.paint(&mut frame, 0, ppp, &[ClippedPrimitive { clip_rect: clip, primitive: Primitive::Mesh(mesh) }]);
        pixels
    }

    fn filled(pixels: &[u32], width: usize) -> Vec<(usize, usize)> {
        pixels.iter().enumerate().filter(|(_, p)| **p != 0).map(|(i, _)| (i % width, i / width)).collect()
    }

    fn uv0() -> Rect {
        Rect::from_min_max(Pos2::ZERO, Pos2::ZERO)
    }

    #[test]
    fn a_solid_rectangle_fills_exactly_its_pixels_inside_the_clip() {
        let mut r = Raster::new();
        white_texture(&mut r);
        let mesh = quad(Rect::from_min_max(pos2(1.0, 1.0), pos2(5.0, 4.0)), Color32::from_rgb(0x12, 0x34, 0x56), uv0());
        let px = paint(&r, mesh, Rect::from_min_max(pos2(0.0, 0.0), pos2(3.0, 8.0)), (8, 8), 1.0);
        let want: Vec<(usize, usize)> = (1..4).flat_map(|y| (1..3).map(move |x| (x, y))).collect();
        assert_eq!(filled(&px, 8), want);
        assert_eq!(px[8 + 1], 0x123456);
    }

    #[test]
    fn pixels_per_point_scales_the_rectangle() {
        let mut r = Raster::new();
        white_texture(&mut r);
        let mesh = quad(Rect::from_min_max(pos2(1.0, 1.0), pos2(2.0, 2.0)), Color32::WHITE, uv0());
        let px = paint(&r, mesh, Rect::EVERYTHING, (6, 6), 2.0);
        assert_eq!(filled(&px, 6), vec![(2, 2), (3, 2), (2, 3), (3, 3)]);
    }

    #[test]
    fn half_alpha_blends_over_the_background() {
        let mut r = Raster::new();
        white_texture(&mut r);
        let mut pixels = vec![0x00_00_00_ff_u32; 4];
        let mut frame = Frame { pixels: &mut pixels, width: 2, height: 2 };
        let half_red = Color32::from_rgba_premultiplied(128, 0, 0, 128);
        let mesh = quad(Rect::from_min_max(pos2(0.0, 0.0), pos2(2.0, 2.0)), half_red, uv0());
        r.paint(&mut frame, 0x0000ff, 1.0, &[ClippedPrimitive { clip_rect: Rect::EVERYTHING, primitive: Primitive::Mesh(mesh) }]);
        assert_eq!(pixels, vec![0x80_00_7f; 4]);
    }

    #[test]
    fn a_textured_quad_is_multiplied_by_its_vertex_colour() {
        let mut r = Raster::new();
        let image = ColorImage::new([2, 1], vec![Color32::WHITE, Color32::from_rgb(200, 100, 50)]);
        apply(&mut r, set(ImageDelta::full(image, TextureOptions::NEAREST)));
        let grey = Color32::from_rgb(128, 128, 128);
        let mesh = quad(Rect::from_min_max(pos2(0.0, 0.0), pos2(4.0, 1.0)), grey, Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)));
        let px = paint(&r, mesh, Rect::EVERYTHING, (4, 1), 1.0);
        assert_eq!(px, vec![0x808080, 0x808080, 0x643219, 0x643219]);
    }

    #[test]
    fn a_texture_patch_lands_at_its_position() {
        let mut r = Raster::new();
        let image = ColorImage::new([2, 2], vec![Color32::BLACK; 4]);
        apply(&mut r, set(ImageDelta::full(image, TextureOptions::NEAREST)));
        let patch = ColorImage::new([1, 1], vec![Color32::from_rgb(1, 2, 3)]);
        apply(&mut r, set(ImageDelta::partial([1, 1], patch, TextureOptions::NEAREST)));
        let mesh =
            quad(Rect::from_min_max(pos2(0.0, 0.0), pos2(2.0, 2.0)), Color32::WHITE, Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)));
        let px = paint(&r, mesh, Rect::EVERYTHING, (2, 2), 1.0);
        assert_eq!(px, vec![0, 0, 0, 0x010203]);
    }

    #[test]
    fn a_freed_texture_draws_nothing() {
        let mut r = Raster::new();
        white_texture(&mut r);
        let mut free = TexturesDelta::default();
        free.free.insert(TEX);
        r.free_textures(free);
        let mesh = quad(Rect::from_min_max(pos2(0.0, 0.0), pos2(2.0, 2.0)), Color32::WHITE, uv0());
        assert_eq!(paint(&r, mesh, Rect::EVERYTHING, (2, 2), 1.0), vec![0; 4]);
    }
}
