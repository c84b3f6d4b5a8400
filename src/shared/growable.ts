/**
 * Growable SharedArrayBuffers (ES2024, in Node 20): shared memory whose size
 * is known only when one thread writes into it (a Future's result, a
 * SharedList's record). The maximum is address space reserved up front; pages
 * are used as the buffer grows, and every thread sees the new size.
 */
type Growable = SharedArrayBuffer & { grow(n: number): void; readonly maxByteLength: number };

export function growableBuffer(initialBytes: number, maxBytes: number): SharedArrayBuffer {
  const Ctor = SharedArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => SharedArrayBuffer;
  return new Ctor(initialBytes, { maxByteLength: maxBytes });
}

/** Grows `sab` to at least `bytes` (it never shrinks). */
export function ensureBytes(sab: SharedArrayBuffer, bytes: number): void {
  if (sab.byteLength < bytes) (sab as Growable).grow(bytes);
}

export function maxBytesOf(sab: SharedArrayBuffer): number {
  return (sab as Growable).maxByteLength;
}
