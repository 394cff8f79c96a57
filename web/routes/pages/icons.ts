/**
 * The app icons as PNG, drawn in code (no binary files to keep in step): a drum in the theme colour on a square
 * tile. `maskable` keeps the drum inside the central 80 % safe zone so launchers may crop the tile to any shape.
 */
import { Buffer } from "node:buffer";
import { deflateSync } from "node:zlib";

/** Icon sizes the manifest lists [px]. */
export const ICON_SIZES = [192, 512] as const;

const TILE: Rgb = [0x1d, 0x4e, 0xd8];
const HEAD: Rgb = [0x93, 0xc5, 0xfd];
const SHELL: Rgb = [0xff, 0xff, 0xff];
type Rgb = [number, number, number];

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "ascii");
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** The colour of pixel (x, y) of a `size` px icon: tile, drum shell (ellipse body) or drum head. */
function pixel(x: number, y: number, size: number, maskable: boolean): Rgb {
  const scale = maskable ? 0.3 : 0.38;
  const cx = size / 2, cy = size * 0.54, rx = size * scale, ry = size * scale * 0.42;
  const inHead = ((x - cx) / rx) ** 2 + ((y - (cy - ry * 0.9)) / ry) ** 2 <= 1;
  const inBody = Math.abs(x - cx) <= rx && y >= cy - ry * 0.9 && y <= cy + ry * 1.2;
  const inBottom = ((x - cx) / rx) ** 2 + ((y - (cy + ry * 1.2)) / ry) ** 2 <= 1;
  if (inHead) return HEAD;
  if (inBody || inBottom) return SHELL;
  return TILE;
}

/** A `size` x `size` RGB PNG of the app icon. */
export function renderIconPng(size: number, maskable = false): Uint8Array {
  const rows = Buffer.alloc(size * (1 + size * 3));
  for (let y = 0; y < size; y++) {
    const row = y * (1 + size * 3); // each row starts with filter byte 0 (none)
    for (let x = 0; x < size; x++) rows.set(pixel(x, y, size, maskable), row + 1 + x * 3);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit depth, truecolour RGB, deflate, no filter, no interlace
  const signature = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", new Uint8Array()),
  ]);
}
