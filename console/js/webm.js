// S16: MediaRecorder writes WebM for live streaming: the Segment and its Clusters have an
// unknown size, Info has no Duration and there are no Cues, so players show no length and
// cannot seek. `finishWebm` rewrites the file once recording stopped, in the console, so the
// fix holds both for a file kept with the session and one the CSR saves: every size known, a
// Duration in Info, Cues for the video track's key frames at the end and a SeekHead in front
// pointing to Info, Tracks and Cues. The Clusters' bytes are reused as they are (views, no copy).
// Reference: the Matroska/EBML element specification (RFC 8794, the Matroska IDs below).

const ID = {
  EBML: 0x1a45dfa3, Segment: 0x18538067, SeekHead: 0x114d9b74, Seek: 0x4dbb, SeekID: 0x53ab, SeekPosition: 0x53ac,
  Info: 0x1549a966, TimecodeScale: 0x2ad7b1, Duration: 0x4489, Tracks: 0x1654ae6b, TrackEntry: 0xae,
  TrackNumber: 0xd7, TrackType: 0x83, Cluster: 0x1f43b675, Timecode: 0xe7, SimpleBlock: 0xa3, BlockGroup: 0xa0,
  Block: 0xa1, ReferenceBlock: 0xfb, Cues: 0x1c53bb6b, CuePoint: 0xbb, CueTime: 0xb3, CueTrackPositions: 0xb7, CueTrack: 0xf7,
  CueClusterPosition: 0xf1, Void: 0xec,
};
// Elements that may follow a Cluster at the Segment's level: they end an unknown-size Cluster.
const TOP = new Set([ID.Cluster, ID.Cues, ID.Info, ID.Tracks, ID.SeekHead, 0x1254c367, 0x1043a770, 0x1941a469]);

class Bad extends Error {}

/** An element's ID (marker bits kept) and its length in bytes. */
function readId(b, p) {
  const first = b[p];
  const len = first >= 0x80 ? 1 : first >= 0x40 ? 2 : first >= 0x20 ? 3 : first >= 0x10 ? 4 : 0;
  if (!len || p + len > b.length) throw new Bad('bad element id');
  let id = 0;
  for (let i = 0; i < len; i++) id = id * 256 + b[p + i];
  return { id, len };
}

/** A size (marker bit removed); `unknown` when all its value bits are ones. */
function readSize(b, p) {
  const first = b[p];
  let len = 1;
  while (len <= 8 && !(first & (0x80 >> (len - 1)))) len += 1;
  if (len > 8 || p + len > b.length) throw new Bad('bad element size');
  let value = first & (0xff >> len);
  let ones = value === 0xff >> len;
  for (let i = 1; i < len; i++) {
    value = value * 256 + b[p + i];
    ones = ones && b[p + i] === 0xff;
  }
  return { value, len, unknown: ones };
}

/** One element header at `p`: id, where its data starts, its size (null: unknown). */
function header(b, p) {
  const id = readId(b, p);
  const size = readSize(b, p + id.len);
  const start = p + id.len + size.len;
  return { id: id.id, start, size: size.unknown ? null : size.value };
}

function readUint(b, start, end) {
  let v = 0;
  for (let i = start; i < end; i++) v = v * 256 + b[i];
  return v;
}

/** The children of [start, end) as headers with their ends. */
function children(b, start, end) {
  const out = [];
  for (let p = start; p < end;) {
    const e = header(b, p);
    if (e.size === null || e.start + e.size > end) throw new Bad('child without a size');
    out.push({ ...e, at: p, end: e.start + e.size });
    p = e.start + e.size;
  }
  return out;
}

function idBytes(id) {
  const out = [];
  for (let v = id; v > 0; v = Math.floor(v / 256)) out.unshift(v % 256);
  return out;
}

/** An 8-byte size: the sizes written here never need minimal encoding. */
function sizeBytes(n) {
  const out = [0x01];
  for (let i = 6; i >= 0; i--) out.push(Math.floor(n / 2 ** (8 * i)) % 256);
  return out;
}

function uintBytes(n, width) {
  const out = [];
  for (let i = width - 1; i >= 0; i--) out.push(Math.floor(n / 2 ** (8 * i)) % 256);
  return out;
}

/** A whole element from its id and data parts (Uint8Arrays or byte arrays). */
function element(id, ...parts) {
  const data = parts.map((x) => (x instanceof Uint8Array ? x : Uint8Array.from(x)));
  const size = data.reduce((n, x) => n + x.length, 0);
  return [Uint8Array.from([...idBytes(id), ...sizeBytes(size)]), ...data];
}

const total = (parts) => parts.reduce((n, x) => n + x.length, 0);

/** The Clusters' children from `p` on, for an unknown-size Cluster: up to the next top-level element. */
function unknownClusterEnd(b, p) {
  while (p < b.length) {
    const { id } = readId(b, p);
    if (TOP.has(id)) return p;
    const e = header(b, p);
    if (e.size === null) throw new Bad('unknown size inside a cluster');
    if (e.start + e.size > b.length) return p; // a last block cut short: drop it
    p = e.start + e.size;
  }
  return p;
}

/** Reads a (Simple)Block's track, relative time and key-frame flag. */
function block(b, start) {
  const track = readSize(b, start);
  const at = start + track.len;
  const rel = ((b[at] << 8) | b[at + 1]) << 16 >> 16;
  return { track: track.value, rel, key: (b[at + 2] & 0x80) !== 0 };
}

/**
 * The recorded WebM, rewritten with its duration and an index to seek; the input unchanged
 * when it is not a WebM this understands. Returns `{ blob, durationMs }`.
 */
export async function finishWebm(input) {
  const b = new Uint8Array(await input.arrayBuffer());
  try {
    return fix(b);
  } catch (e) {
    if (!(e instanceof Bad)) throw e;
    return { blob: input, durationMs: null };
  }
}

function fix(b) {
  const ebml = header(b, 0);
  if (ebml.id !== ID.EBML || ebml.size === null) throw new Bad('not EBML');
  const seg = header(b, ebml.start + ebml.size);
  if (seg.id !== ID.Segment) throw new Bad('no segment');
  const segEnd = seg.size === null ? b.length : Math.min(b.length, seg.start + seg.size);
  let info = null;
  let tracks = null;
  const others = [];
  const clusters = [];
  for (let p = seg.start; p < segEnd;) {
    const e = header(b, p);
    if (e.id === ID.Cluster) {
      const end = e.size === null ? unknownClusterEnd(b, e.start) : Math.min(e.start + e.size, segEnd);
      clusters.push({ start: e.start, end });
      p = end;
      continue;
    }
    if (e.size === null) throw new Bad('unknown size outside a cluster');
    const end = e.start + e.size;
    if (end > segEnd) break;
    if (e.id === ID.Info) info = e;
    else if (e.id === ID.Tracks) tracks = b.subarray(p, end);
    else if (e.id !== ID.SeekHead && e.id !== ID.Void && e.id !== ID.Cues) others.push(b.subarray(p, end));
    p = end;
  }
  if (!info || !tracks || !clusters.length) throw new Bad('no info, tracks or clusters');

  // The video track (Cues point at its key frames).
  let video = null;
  for (const t of children(tracks, header(tracks, 0).start, tracks.length)) {
    if (t.id !== ID.TrackEntry) continue;
    const fields = children(tracks, t.start, t.end);
    const num = fields.find((f) => f.id === ID.TrackNumber);
    const type = fields.find((f) => f.id === ID.TrackType);
    if (num && type && readUint(tracks, type.start, type.end) === 1) video = readUint(tracks, num.start, num.end);
  }

  // Each Cluster's time, its first video key frame's, and the last block's time.
  let last = 0;
  for (const c of clusters) {
    c.parts = children(b, c.start, c.end);
    const tc = c.parts.find((x) => x.id === ID.Timecode);
    c.time = tc ? readUint(b, tc.start, tc.end) : 0;
    for (const x of c.parts) {
      let blk = null;
      if (x.id === ID.SimpleBlock) blk = block(b, x.start);
      else if (x.id === ID.BlockGroup) {
        // A Block has no key-frame flag: a key frame is a group without a ReferenceBlock.
        const group = children(b, x.start, x.end);
        const inner = group.find((y) => y.id === ID.Block);
        if (inner) blk = { ...block(b, inner.start), key: !group.some((y) => y.id === ID.ReferenceBlock) };
      }
      if (!blk) continue;
      last = Math.max(last, c.time + blk.rel);
      // A cue for each Cluster holding a video key frame, at the first one's time.
      if (c.keyTime === undefined && blk.track === video && blk.key) c.keyTime = c.time + blk.rel;
    }
  }

  const infoFields = children(b, info.start, info.start + info.size);
  const scaleField = infoFields.find((f) => f.id === ID.TimecodeScale);
  const scale = scaleField ? readUint(b, scaleField.start, scaleField.end) : 1_000_000;
  const duration = new Uint8Array(8);
  new DataView(duration.buffer).setFloat64(0, Math.max(last, 1));
  const infoParts = element(ID.Info, ...infoFields.filter((f) => f.id !== ID.Duration).map((f) => b.subarray(f.at, f.end)),
    ...element(ID.Duration, duration));

  // Layout: SeekHead, Info, Tracks, others, Clusters, Cues. The SeekHead's size is fixed (8-byte
  // positions), so it can be measured before the positions are known.
  const seekEntry = (id, pos) => element(ID.Seek, ...element(ID.SeekID, idBytes(id)), ...element(ID.SeekPosition, uintBytes(pos, 8)));
  const seekHeadSize = total(element(ID.SeekHead, ...[ID.Info, ID.Tracks, ID.Cues].flatMap((id) => seekEntry(id, 0))));
  const infoAt = seekHeadSize;
  const tracksAt = infoAt + total(infoParts);
  let at = tracksAt + tracks.length + total(others);
  const clusterParts = [];
  const cues = [];
  const keyed = clusters.some((c) => c.keyTime !== undefined);
  for (const c of clusters) {
    const body = c.parts.map((x) => b.subarray(x.at, x.end));
    const parts = element(ID.Cluster, ...body);
    if (video !== null && (!keyed || c.keyTime !== undefined)) {
      cues.push(...element(ID.CuePoint, ...element(ID.CueTime, uintBytes(keyed ? c.keyTime : c.time, 8)),
        ...element(ID.CueTrackPositions, ...element(ID.CueTrack, uintBytes(video, 1)), ...element(ID.CueClusterPosition, uintBytes(at, 8)))));
    }
    clusterParts.push(...parts);
    at += total(parts);
  }
  const cuesParts = cues.length ? element(ID.Cues, ...cues) : [];
  const seekHead = element(ID.SeekHead, ...[[ID.Info, infoAt], [ID.Tracks, tracksAt], ...(cues.length ? [[ID.Cues, at]] : [])]
    .flatMap(([id, pos]) => seekEntry(id, pos)));
  // Without Cues the third entry's room is kept by a Void element, so the positions hold.
  const gap = seekHeadSize - total(seekHead);
  if (gap) seekHead.push(Uint8Array.from([ID.Void, ...sizeBytes(gap - 9), ...new Array(gap - 9).fill(0)]));
  const body = [...seekHead, ...infoParts, tracks, ...others, ...clusterParts, ...cuesParts];
  const segment = [Uint8Array.from([...idBytes(ID.Segment), ...sizeBytes(total(body))]), ...body];
  const out = [b.subarray(0, ebml.start + ebml.size), ...segment];
  return { blob: new Blob(out, { type: 'video/webm' }), durationMs: (Math.max(last, 1) * scale) / 1e6 };
}
