/**
 * The append-only journal of committed changes that sits beside the snapshot.
 *
 * Layout: a 16-byte header (magic, then the generation of the snapshot it applies to),
 * then records of [u32 length][i32 crc32][payload]. A record is one committed
 * transaction; the top bit of its length marks the first record of an append (a group
 * commit writes several records in one append and one fdatasync). The crc covers the
 * length word and the payload.
 *
 * Reading stops at the first record that does not check out. What follows it decides
 * what it was: if an append began after it, the append holding it had been made durable
 * (appends are written one after another, each once the one before is on disk), so it is
 * damage to acknowledged changes. Otherwise it lies in the last append, which a crash
 * interrupted: a torn tail, never acknowledged. (PIPJRNL1 journals, from before the
 * marks, have none: any later record that checks out counts as damage.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import CRC32 from 'crc-32';
import { fsyncDirSync, removeQuietly, writeAllSync } from './fsutil';

const MAGIC = Buffer.from('PIPJRNL2', 'ascii');
const MAGIC_V1 = Buffer.from('PIPJRNL1', 'ascii');
export const HEADER_SIZE = 16;
const RECORD_HEAD = 8;
const APPEND_START = 0x8000_0000;
/** Longer than any record we write; a larger length field means the tail is garbage. */
const MAX_RECORD = 256 * 1024 * 1024;

export interface JournalContents {
  generation: number;
  records: Buffer[];
  /** Offset just past the last good record. */
  validEnd: number;
  /** Bytes after validEnd that were dropped (a torn tail, or damage and what follows it). */
  droppedBytes: number;
  /**
   * 0 for a torn tail. For damage: the changes that cannot be restored, at least the
   * damaged record and every record after it that checks out (a damaged stretch may
   * have held more than one).
   */
  lost: number;
  /** In the format this version writes, so it can be appended to. */
  current: boolean;
}

export class JournalFormatError extends Error {
  override name = 'JournalFormatError';
}

function header(generation: number): Buffer {
  const buf = Buffer.alloc(HEADER_SIZE);
  MAGIC.copy(buf, 0);
  buf.writeUInt32LE(generation >>> 0, 8);
  return buf;
}

/** The bytes of one append: its records, the first one marked as the start of an append. */
export function encodeAppend(payloads: readonly Buffer[]): Buffer {
  const buf = Buffer.allocUnsafe(payloads.reduce((n, p) => n + RECORD_HEAD + p.length, 0));
  let at = 0;
  for (const [i, payload] of payloads.entries()) {
    buf.writeUInt32LE((payload.length | (i === 0 ? APPEND_START : 0)) >>> 0, at);
    buf.writeInt32LE(CRC32.buf(payload, CRC32.buf(buf.subarray(at, at + 4))), at + 4);
    payload.copy(buf, at + RECORD_HEAD);
    at += RECORD_HEAD + payload.length;
  }
  return buf;
}

interface JournalRecord {
  payload: Buffer;
  startsAppend: boolean;
  end: number;
}

/** The record at `at`, if one is there whole and checks out. */
function recordAt(data: Buffer, at: number, v1: boolean): JournalRecord | undefined {
  if (at + RECORD_HEAD > data.length) return undefined;
  const word = data.readUInt32LE(at);
  const length = v1 ? word : word & ~APPEND_START;
  const end = at + RECORD_HEAD + length;
  // No record is empty: zeros are what a file extended but never written reads as.
  if (length === 0 || length > MAX_RECORD || end > data.length) return undefined;
  const payload = data.subarray(at + RECORD_HEAD, end);
  const crc = v1 ? CRC32.buf(payload) : CRC32.buf(payload, CRC32.buf(data.subarray(at, at + 4)));
  if (crc !== data.readInt32LE(at + 4)) return undefined;
  return { payload, startsAppend: v1 || word >= APPEND_START, end };
}

/** Reads a whole journal; `undefined` if there is none. Throws JournalFormatError if the file is not a journal at all. */
export function readJournal(file: string): JournalContents | undefined {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return parseJournal(data, file);
}

/** Reads journal bytes (a whole journal, or the first bytes of one); `undefined` for a journal still empty. */
// not-ui: names the file in a JournalFormatError, for the log
export function parseJournal(data: Buffer, file = 'the journal'): JournalContents | undefined {
  if (data.length < HEADER_SIZE) {
    // A header torn while being created: the journal was still empty.
    if (MAGIC.subarray(0, data.length).equals(data.subarray(0, MAGIC.length))) return undefined;
    throw new JournalFormatError(`${file} is not a Pipulate journal`);
  }
  const magic = data.subarray(0, MAGIC.length);
  const v1 = magic.equals(MAGIC_V1);
  if (!v1 && !magic.equals(MAGIC)) throw new JournalFormatError(`${file} is not a Pipulate journal`);
  const records: Buffer[] = [];
  let offset = HEADER_SIZE;
  for (let r = recordAt(data, offset, v1); r; r = recordAt(data, offset, v1)) {
    records.push(r.payload);
    offset = r.end;
  }
  // Past the bad record, look for records that still check out (a byte at a time: its
  // length may be what is damaged).
  let later = 0;
  let appendAfter = false;
  for (let at = offset + 1; at + RECORD_HEAD < data.length; ) {
    const r = recordAt(data, at, v1);
    if (!r) {
      at++;
      continue;
    }
    later++;
    appendAfter ||= r.startsAppend;
    at = r.end;
  }
  return {
    generation: data.readUInt32LE(8),
    records,
    validEnd: offset,
    droppedBytes: data.length - offset,
    lost: appendAfter ? 1 + later : 0,
    current: !v1,
  };
}

/** An open journal, appended to at its end. */
export class JournalWriter {
  private appending = false;
  private closed = false;

  private constructor(
    readonly file: string,
    private fd: number,
    private size: number,
  ) {}

  /** Opens an existing journal for appending after `validEnd`, cutting off any torn tail first. */
  static openSync(file: string, validEnd: number): JournalWriter {
    const fd = fs.openSync(file, 'r+');
    fs.ftruncateSync(fd, validEnd);
    fs.fsyncSync(fd);
    return new JournalWriter(file, fd, validEnd);
  }

  /** Replaces whatever journal is at `file` with an empty one for `generation`, durably. */
  static createSync(file: string, generation: number): JournalWriter {
    const tmp = `${file}.tmp-${process.pid}`;
    const fd = fs.openSync(tmp, 'w+');
    try {
      writeAllSync(fd, header(generation), 0);
      fs.fsyncSync(fd);
      fs.renameSync(tmp, file);
    } catch (err) {
      fs.closeSync(fd);
      removeQuietly(tmp);
      throw err;
    }
    fsyncDirSync(path.dirname(file));
    return new JournalWriter(file, fd, HEADER_SIZE);
  }

  /**
   * An empty journal for `generation`, written and fsynced under a temporary name off the
   * main thread. `install()` renames it over `file` and opens it for appending (the
   * caller makes the rename durable: fsyncDir); `discard()` removes it.
   */
  static async prepare(file: string, generation: number): Promise<{ install(): JournalWriter; discard(): void }> {
    const tmp = `${file}.tmp-${process.pid}-${generation}`;
    const fd = await new Promise<number>((resolve, reject) => fs.open(tmp, 'w+', (err, n) => (err ? reject(err) : resolve(n))));
    const discard = () => {
      fs.closeSync(fd);
      removeQuietly(tmp);
    };
    try {
      await write(fd, header(generation), 0);
      await new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
    } catch (err) {
      discard();
      throw err;
    }
    return {
      install: () => {
        fs.renameSync(tmp, file);
        return new JournalWriter(file, fd, HEADER_SIZE);
      },
      discard,
    };
  }

  get bytes(): number {
    return this.size;
  }

  /**
   * Appends records and makes them durable (fdatasync). If this throws (disk full), the
   * journal is as it was: a retry cuts the partial write off before writing again.
   */
  async append(data: Buffer): Promise<void> {
    const fd = this.fd;
    const at = this.size;
    this.appending = true;
    try {
      await write(fd, data, at);
      await new Promise<void>((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
      this.size = at + data.length;
    } catch (err) {
      // After closeSync, appendSync may have written there itself: leave it.
      if (!this.closed) await new Promise<void>((resolve) => fs.ftruncate(fd, at, () => resolve()));
      throw err;
    } finally {
      this.appending = false;
      if (this.closed) fs.close(fd, () => {});
    }
  }

  appendSync(data: Buffer): void {
    try {
      writeAllSync(this.fd, data, this.size);
      fs.fdatasyncSync(this.fd);
    } catch (err) {
      try {
        fs.ftruncateSync(this.fd, this.size);
      } catch {
        // Already failing; the record is not counted either way.
      }
      throw err;
    }
    this.size += data.length;
  }

  /**
   * Closes the file; at once, or when an append still running ends. Closing under it
   * would free its fd number for the next file opened, which it would then write to.
   */
  closeSync(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.appending) fs.closeSync(this.fd);
  }
}

function write(fd: number, data: Buffer, position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = 0;
    const step = (): void => {
      fs.write(fd, data, done, data.length - done, position + done, (err, n) => {
        if (err) return reject(err);
        done += n;
        if (done < data.length) step();
        else resolve();
      });
    };
    step();
  });
}
