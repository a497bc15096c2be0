// The @ffprobe-installer build of ffprobe (a static binary) crashes (SIGSEGV) on any MPEG-TS that
// carries an SDT (service description table, PID 0x11, which ffmpeg's mpegts muxer always writes):
// decoding its service names calls iconv, which a static glibc cannot load. The SDT holds only
// those names, nothing a probe reports, so probeMedia drops its packets before probing.

const TS_PACKET = 188;
const SDT_PID = 0x11;

/** Whether `b` looks like MPEG-TS: a sync byte at the start of each of its first packets. */
export function looksLikeMpegTs(b: Uint8Array): boolean {
  if (b.byteLength < TS_PACKET || b.byteLength % TS_PACKET !== 0) return false;
  for (let o = 0; o < Math.min(b.byteLength, 8 * TS_PACKET); o += TS_PACKET) if (b[o] !== 0x47) return false;
  return true;
}

/** `b` without its SDT packets (the same bytes when it has none). */
export function withoutSdt(b: Uint8Array): Uint8Array {
  const keep: number[] = [];
  let dropped = false;
  for (let o = 0; o + TS_PACKET <= b.byteLength; o += TS_PACKET) {
    const pid = ((b[o + 1]! & 0x1f) << 8) | b[o + 2]!;
    if (b[o] === 0x47 && pid === SDT_PID) dropped = true;
    else keep.push(o);
  }
  if (!dropped) return b;
  const out = new Uint8Array(keep.length * TS_PACKET);
  keep.forEach((o, i) => out.set(b.subarray(o, o + TS_PACKET), i * TS_PACKET));
  return out;
}
