/**
 * A fixed-capacity ring of float samples: the stream is written in chunks of any size and the
 * latest N samples read out as one contiguous copy. Memory stays constant however long the stream.
 */
import { InvalidArgumentError } from '../../core/errors'

export class SampleRing {
  private readonly buffer: Float32Array
  private writeIndex = 0
  /** Samples written since the start (or the last reset). */
  totalWritten = 0

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0)
      throw new InvalidArgumentError(`SampleRing capacity must be a positive integer, got ${capacity}`)
    this.buffer = new Float32Array(capacity)
  }

  push(samples: Float32Array): void {
    let source = samples
    if (source.length >= this.capacity) source = source.subarray(source.length - this.capacity)
    const firstPart = Math.min(source.length, this.capacity - this.writeIndex)
    this.buffer.set(source.subarray(0, firstPart), this.writeIndex)
    this.buffer.set(source.subarray(firstPart), 0)
    this.writeIndex = (this.writeIndex + source.length) % this.capacity
    this.totalWritten += samples.length
  }

  /** The most recent `count` samples, oldest first. */
  latest(count: number): Float32Array {
    if (count > this.capacity || count > this.totalWritten) {
      throw new InvalidArgumentError(`SampleRing holds ${Math.min(this.capacity, this.totalWritten)} samples, ${count} asked for`)
    }
    const out = new Float32Array(count)
    const start = (this.writeIndex - count + this.capacity) % this.capacity
    const firstPart = Math.min(count, this.capacity - start)
    out.set(this.buffer.subarray(start, start + firstPart), 0)
    out.set(this.buffer.subarray(0, count - firstPart), firstPart)
    return out
  }

  reset(): void {
    this.writeIndex = 0
    this.totalWritten = 0
  }
}
