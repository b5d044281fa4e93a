import { inflateSync } from 'node:zlib';

/** A decoded 8-bit PNG as RGBA: enough to check that an image is a real, non-blank picture. */
export interface Pixels {
  width: number;
  height: number;
  rgba: Buffer;
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 4: 2, 6: 4 };

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Decodes non-interlaced 8-bit grey, RGB and RGBA PNGs (what resvg and Chromium write); throws on anything else. */
export function decodePng(png: Buffer): Pixels {
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG: bad signature');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [bitDepth, colorType, , , interlace] = [data[8], data[9], data[10], data[11], data[12]];
      if (bitDepth !== 8 || interlace !== 0 || !(colorType in CHANNELS)) throw new Error(`unsupported PNG: depth ${bitDepth}, colour type ${colorType}, interlace ${interlace}`);
      channels = CHANNELS[colorType];
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const left = x >= channels ? out[y * stride + x - channels] : 0;
      const up = y > 0 ? out[(y - 1) * stride + x] : 0;
      const upLeft = y > 0 && x >= channels ? out[(y - 1) * stride + x - channels] : 0;
      const predictor = [0, left, up, (left + up) >> 1, paeth(left, up, upLeft)][filter];
      if (predictor === undefined) throw new Error(`bad PNG filter ${filter}`);
      out[y * stride + x] = (line[x] + predictor) & 0xff;
    }
  }
  const rgba = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const p = out.subarray(i * channels, (i + 1) * channels);
    const [r, g, b] = channels >= 3 ? [p[0], p[1], p[2]] : [p[0], p[0], p[0]];
    rgba.set([r, g, b, channels === 4 ? p[3] : channels === 2 ? p[1] : 255], i * 4);
  }
  return { width, height, rgba };
}

export function distinctColours(image: Pixels): number {
  const seen = new Set<number>();
  for (let i = 0; i < image.rgba.length; i += 4) seen.add(image.rgba.readUInt32BE(i));
  return seen.size;
}

/** Pixels darker than text grey within a rectangle: glyphs of a label are there or not. */
export function darkPixels(image: Pixels, box: { x: number; y: number; w: number; h: number }): number {
  let dark = 0;
  for (let y = box.y; y < Math.min(image.height, box.y + box.h); y++) {
    for (let x = box.x; x < Math.min(image.width, box.x + box.w); x++) {
      const i = (y * image.width + x) * 4;
      if (image.rgba[i] < 100 && image.rgba[i + 1] < 100 && image.rgba[i + 2] < 100) dark++;
    }
  }
  return dark;
}

export function pixelsOf(image: Pixels, [r, g, b]: [number, number, number]): number {
  let n = 0;
  for (let i = 0; i < image.rgba.length; i += 4) if (image.rgba[i] === r && image.rgba[i + 1] === g && image.rgba[i + 2] === b) n++;
  return n;
}
