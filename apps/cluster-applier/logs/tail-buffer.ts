import { Writable } from "node:stream";

/**
 * A Writable that keeps only the last `limit` bytes written: a long log costs `limit` bytes
 * of memory, however much the API server sends.
 */
export class TailBuffer extends Writable {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Bytes dropped from the front. */
  dropped = 0;

  constructor(private readonly limit: number) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - (this.chunks[0]?.length ?? 0) >= this.limit) {
      const first = this.chunks.shift()!;
      this.size -= first.length;
      this.dropped += first.length;
    }
    done();
  }

  /** The kept bytes; when some were dropped, from the first whole line on, under a note saying so. */
  text(): string {
    let buf = Buffer.concat(this.chunks);
    let dropped = this.dropped;
    if (buf.length > this.limit) {
      dropped += buf.length - this.limit;
      buf = buf.subarray(buf.length - this.limit);
    }
    if (dropped === 0) return buf.toString("utf8");
    const nl = buf.indexOf(10);
    const rest = nl >= 0 ? buf.subarray(nl + 1) : buf;
    return `[earlier output dropped: ${dropped + (buf.length - rest.length)} bytes; the last ${rest.length} bytes are kept]\n${rest.toString("utf8")}`;
  }
}
