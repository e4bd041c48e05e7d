/**
 * The serial protocol end to end over a real pty pair (socat): `ausculta simulate` as the device
 * on one end, SerialSource (serialport + SerialDecoder) as the host on the other.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resample } from '../../../src/core/dsp/resample'
import { readWavMono, writeWavFile } from '../../../src/main/io/wav-file'
import { SerialSource } from '../../../src/main/devices/serial-source'
import { SerialDeviceLostError } from '../../../src/main/devices/serial-port'
import { RawSerialSource } from '../../../src/main/devices/raw-serial-source'
import { collect, waitFor } from './helpers/audio'
import { startPtyPair } from './helpers/pty'
import { startSimulator } from './helpers/simulator'
import { missingTools, requireComponents } from './helpers/tools'
import { concatFloat32 } from './helpers/signal'
import type { PcmChunk } from '../../../src/main/devices/source'

const SAMPLE = join(__dirname, '../../../samples/50238_MV.wav')
// 3 s streamed in real time per case keeps the file quick while spanning ~100 frames
const CLIP_SECONDS = 3
const skip = requireComponents(
  'serial pty test',
  missingTools(['socat']).map((t) => `${t} not installed (apt socat)`),
)

/** int16 quantisation as the simulator's s16le encoder does it */
function quantise(x: Float32Array): Float32Array {
  // "+ 0" turns -0 into 0, as the decoder (int16 / 32768) yields
  return x.map((v) => Math.max(-32768, Math.min(32767, Math.round(v * 32768))) / 32768 + 0)
}

function timeline(chunks: PcmChunk[]): { samples: Float32Array; gapSamples: number } {
  let expectedIndex = 0
  let gapSamples = 0
  for (const chunk of chunks) {
    expect(chunk.firstSampleIndex).toBe(expectedIndex)
    expectedIndex += chunk.samples.length
    for (const [start, end] of chunk.gaps ?? []) gapSamples += end - start
  }
  return { samples: concatFloat32(chunks.map((c) => c.samples)), gapSamples }
}

describe.skipIf(skip !== undefined)('serial simulator over a socat pty pair', () => {
  let dir: string
  let clipPath: string
  let clip: Float32Array

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ausculta-serial-'))
    const wav = readWavMono(SAMPLE)
    clip = wav.samples.slice(0, CLIP_SECONDS * wav.sampleRateHz)
    clipPath = join(dir, 'clip.wav')
    writeWavFile(clipPath, [clip], wav.sampleRateHz, 'pcm16')
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  for (const rateHz of [4000, 16000]) {
    it(`delivers the WAV intact at ${rateHz} Hz`, async () => {
      const pty = await startPtyPair(dir, `intact${rateHz}`)
      const sim = await startSimulator(['--serial', pty.deviceEnd, '--wav', clipPath, '--rate', String(rateHz), '--exit-at-end'])
      try {
        const source = new SerialSource({ path: pty.hostEnd })
        const info = await source.info()
        expect(info).toMatchObject({ protocolVersion: 1, sampleRateHz: rateHz, sampleFormat: 's16le', channels: 1 })
        const { chunks, events } = collect(source)
        await source.start()
        // real time plus 3 s of slack for a busy machine
        await waitFor(() => events.some((e) => e.type === 'end'), (CLIP_SECONDS + 3) * 1000, 'the end frame')
        await source.stop()
        const { samples, gapSamples } = timeline(chunks)
        const expected = quantise(rateHz === 4000 ? clip : resample(clip, 4000, rateHz))
        expect(gapSamples).toBe(0)
        expect(samples.length).toBe(expected.length)
        expect(samples).toEqual(expected)
        expect(chunks.every((c) => c.sampleRateHz === rateHz)).toBe(true)
        expect(source.stats).toMatchObject({ framesLost: 0, framesCorrupt: 0, bytesSkipped: 0, gapSamplesFilled: 0 })
        expect(await sim.exited).toBe(0)
      } finally {
        sim.process.kill()
        await pty.kill()
      }
    })
  }

  it('with 1 % corrupted bytes, resynchronises and accounts for every lost frame', async () => {
    const pty = await startPtyPair(dir, 'corrupt')
    const sim = await startSimulator([
      '--serial',
      pty.deviceEnd,
      '--wav',
      clipPath,
      '--corrupt',
      '0.01',
      '--seed',
      '7',
      '--frame-samples',
      '32',
      '--exit-at-end',
    ])
    try {
      const source = new SerialSource({ path: pty.hostEnd })
      const { chunks, events } = collect(source)
      await source.start()
      await waitFor(() => events.some((e) => e.type === 'end'), (CLIP_SECONDS + 3) * 1000, 'the end frame')
      await source.stop()
      expect(await sim.exited).toBe(0)
      const counts = sim.counts()!
      const { samples, gapSamples } = timeline(chunks)
      process.stdout.write(
        `corrupt 1 %: simulator sent ${counts.framesSent} frames, corrupted ${counts.framesCorrupted}; decoder ` +
          `${JSON.stringify(source.stats)}\n`,
      )
      // the point of the protocol: time never shifts, and every lost frame is accounted for
      expect(samples.length).toBe(clip.length)
      expect(source.stats.framesLost).toBe(counts.framesCorrupted)
      expect(gapSamples).toBe(source.stats.gapSamplesFilled)
      // 32-sample s16 frames are 86 bytes: P(hit) = 1 - 0.99^86 ≈ 0.58, so of ~375 frames both many
      // are lost and many survive (to check bit-exactness); 0.4..0.75 is > 6 standard deviations wide
      expect(counts.framesCorrupted / counts.framesSent).toBeGreaterThan(0.4)
      expect(counts.framesCorrupted / counts.framesSent).toBeLessThan(0.75)
      const expected = quantise(clip)
      let gapIndex = 0
      const gapMask = new Uint8Array(samples.length)
      for (const chunk of chunks)
        for (const [s, e] of chunk.gaps ?? []) gapMask.fill(1, chunk.firstSampleIndex + s, chunk.firstSampleIndex + e)
      for (let i = 0; i < samples.length; i++) {
        if (gapMask[i]) gapIndex++
        else if (samples[i] !== expected[i]) throw new Error(`sample ${i}: ${samples[i]} != ${expected[i]}`)
      }
      expect(gapIndex).toBe(gapSamples)
    } finally {
      sim.process.kill()
      await pty.kill()
    }
  })

  it('closing the pty mid-stream gives a device-lost error and no crash', async () => {
    const pty = await startPtyPair(dir, 'unplug')
    const sim = await startSimulator(['--serial', pty.deviceEnd, '--wav', clipPath, '--loop'])
    try {
      const source = new SerialSource({ path: pty.hostEnd })
      const { chunks, events } = collect(source)
      await source.start()
      await waitFor(() => chunks.length > 10, 5000, 'streaming audio')
      await pty.kill()
      // serialport notices a vanished pty on its next read: well under a second here, 5 s for CI
      await waitFor(() => events.some((e) => e.type === 'error'), 5000, 'the device-lost error')
      const error = events.find((e) => e.type === 'error')
      expect(error?.type === 'error' && error.error).toBeInstanceOf(SerialDeviceLostError)
      expect(source.status).toBe('lost')
      await source.stop() // nothing left to close: must return at once
      // the simulator loses its port too and exits with an error, not a crash (70) or a hang
      expect(await sim.exited).toBe(1)
      expect(sim.stderr()).toMatch(/device lost/)
    } finally {
      sim.process.kill()
      await pty.kill()
    }
  })

  it('reads a raw int16 DIY device at the rate the user gives', async () => {
    const pty = await startPtyPair(dir, 'raw')
    try {
      const source = new RawSerialSource({ path: pty.hostEnd, sampleRateHz: 4000 })
      const { chunks } = collect(source)
      await source.start()
      const expected = quantise(clip.subarray(0, 4000))
      const bytes = new Uint8Array(expected.length * 2)
      const view = new DataView(bytes.buffer)
      expected.forEach((v, i) => view.setInt16(2 * i, Math.round(v * 32768), true))
      // write from the "device" end with plain file I/O, as a microcontroller's UART would
      writeFileSync(pty.deviceEnd, bytes)
      await waitFor(() => chunks.reduce((n, c) => n + c.samples.length, 0) >= expected.length, 5000, 'raw samples')
      await source.stop()
      expect(timeline(chunks).samples).toEqual(expected)
    } finally {
      await pty.kill()
    }
  })

  it('a port where nothing answers START is refused with a hint, not reported as streaming', async () => {
    const pty = await startPtyPair(dir, 'silent')
    try {
      // 500 ms: the simulator answers within milliseconds; a silent port never does
      const source = new SerialSource({ path: pty.hostEnd, replyTimeoutMs: 500 })
      await expect(source.start()).rejects.toThrow(/no answer to START within 500 ms — not an Ausculta serial-protocol device/)
      expect(source.status).toBe('error')
    } finally {
      await pty.kill()
    }
  })
})
