/**
 * The append-only journal of committed changes that sits beside the snapshot.
 *
 * Layout: a 16-byte header (magic, then the generation of the snapshot it applies to),
 * then records of [u32 length][u32 crc32][payload]. A record is one committed
 * transaction. A torn or corrupt record ends the journal: it and all after it are
 * dropped on open, since nothing after it was acknowledged in order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import CRC32 from 'crc-32';
import { fsyncDirSync, removeQuietly, writeAllSync } from './fsutil';

const MAGIC = Buffer.from('PIPJRNL1', 'ascii');
export const HEADER_SIZE = 16;
const RECORD_HEAD = 8;
/** Longer than any record we write; a larger length field means the tail is garbage. */
const MAX_RECORD = 256 * 1024 * 1024;

export interface JournalContents {
  generation: number;
  records: Buffer[];
  /** Offset just past the last good record. */
  validEnd: number;
  /** Bytes after validEnd that were dropped (a torn or corrupt tail). */
  droppedBytes: number;
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

export function encodeRecord(payload: Buffer): Buffer {
  const buf = Buffer.allocUnsafe(RECORD_HEAD + payload.length);
  buf.writeUInt32LE(payload.length, 0);
  buf.writeInt32LE(CRC32.buf(payload), 4);
  payload.copy(buf, RECORD_HEAD);
  return buf;
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
  if (data.length < HEADER_SIZE) {
    // A header torn while being created: the journal was still empty.
    if (MAGIC.subarray(0, data.length).equals(data.subarray(0, MAGIC.length))) return undefined;
    throw new JournalFormatError(`${file} is not a Pipulate journal`);
  }
  if (!data.subarray(0, MAGIC.length).equals(MAGIC)) throw new JournalFormatError(`${file} is not a Pipulate journal`);
  const generation = data.readUInt32LE(8);
  const records: Buffer[] = [];
  let offset = HEADER_SIZE;
  while (offset + RECORD_HEAD <= data.length) {
    const length = data.readUInt32LE(offset);
    const crc = data.readInt32LE(offset + 4);
    const end = offset + RECORD_HEAD + length;
    if (length > MAX_RECORD || end > data.length) break;
    const payload = data.subarray(offset + RECORD_HEAD, end);
    if (CRC32.buf(payload) !== crc) break;
    records.push(payload);
    offset = end;
  }
  return { generation, records, validEnd: offset, droppedBytes: data.length - offset };
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
