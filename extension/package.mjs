// Packs the built extension (extension/dist/chrome and extension/dist/firefox, written by
// build.mjs) into the zips the stores take, and prints their sha256:
//   node extension/package.mjs [--out DIR]      (default DIR: extension/dist)
// The same files give the same bytes: entries in sorted order, one fixed timestamp, fixed
// attributes, deflate at level 9 (the zlib built into Node: use the same Node major to compare).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { version } from './build.mjs';

const EXT = fileURLToPath(new URL('.', import.meta.url));
const DIST = join(EXT, 'dist');
export const BROWSERS = ['chrome', 'firefox'];

/** 1980-01-01 00:00:00, the earliest time a zip can say. */
const DOS_TIME = 0;
const DOS_DATE = (1 << 5) | 1;
/** Made by Unix (3), zip spec 2.0; regular file, rw-r--r--. */
const MADE_BY = (3 << 8) | 20;
const FILE_MODE = (0o100644 << 16) >>> 0;
/** Bit 11: names are UTF-8. */
const FLAGS = 0x0800;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Every file under `dir`, as [zip path, absolute path], sorted by zip path. */
function filesUnder(dir) {
  const out = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out.push([relative(dir, path).split(sep).join('/'), path]);
      else throw new Error(`${path}: only plain files and folders can be packed`);
    }
  };
  walk(dir);
  return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A zip of `files` ([name, bytes] in the order given), the same bytes for the same input. */
export function zip(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, data] of files) {
    const nameBytes = Buffer.from(name, 'utf8');
    const deflated = deflateRawSync(data, { level: 9 });
    // Already-compressed files (PNG, say) are stored when deflate would not shrink them.
    const [method, body] = deflated.length < data.length ? [8, deflated] : [0, data];
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(FLAGS, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(MADE_BY, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(FLAGS, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    // extra length, comment length, disk number, internal attributes: all 0
    central.writeUInt32LE(FILE_MODE, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, body);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  if (offset > 0xffffffff || files.length > 0xffff) throw new Error('too large for a zip without zip64');
  return Buffer.concat([...locals, directory, end]);
}

/** Writes one zip per browser into `out`; returns [{browser, file, sha256, entries}]. */
export function packageAll(out = DIST) {
  const v = version();
  mkdirSync(out, { recursive: true });
  return BROWSERS.map((browser) => {
    const dir = join(DIST, browser);
    if (!existsSync(join(dir, 'manifest.json'))) throw new Error(`${dir} is not built: run \`npm run build\` first`);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    if (manifest.version !== v) throw new Error(`${dir} was built as ${manifest.version}, the version is now ${v}: rebuild`);
    const files = filesUnder(dir);
    const bytes = zip(files.map(([name, path]) => [name, readFileSync(path)]));
    const file = join(out, `gloss-${browser}-${v}.zip`);
    writeFileSync(file, bytes);
    return { browser, file, sha256: createHash('sha256').update(bytes).digest('hex'), entries: files.map(([name]) => name) };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  // The format of `sha256sum`, so `sha256sum -c` can check it.
  for (const { file, sha256 } of packageAll(at > 0 ? process.argv[at + 1] : DIST)) console.log(`${sha256}  ${relative(process.cwd(), file)}`);
}
