import { spawnSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../src/core/errors'
import { DicomFormatError, el, formatDs, read, tag } from '../../../src/core/dicom/dicom-dataset'
import { decodePart10, encodePart10 } from '../../../src/core/dicom/dicom-part10'
import { GENERAL_AUDIO_WAVEFORM_SOP_CLASS, T } from '../../../src/core/dicom/dicom-tags'
import { isDicomUid, uuidFromHash, uuidToDicomUid } from '../../../src/core/dicom/dicom-uid'
import { decodeSessionDicom, encodeSessionDicom, parseDicomDateTime, type DicomIdentity } from '../../../src/core/dicom/session-dicom'
import { AuscultaError } from '../../../src/core/errors'
import { seededRandom } from '../../helpers/seeded-random'
import { sharingSession } from '../../helpers/sharing-session'
import { testTempDir } from '../../helpers/temp-dir'

const identity: DicomIdentity = {
  studyUid: uuidToDicomUid('11111111-2222-4333-8444-555555555555'),
  seriesUid: uuidToDicomUid('11111111-2222-4333-8444-666666666666'),
  instanceUid: uuidToDicomUid('11111111-2222-4333-8444-777777777777'),
  createdAt: new Date('2026-12-03T11:00:00.000Z'),
  softwareVersion: 'Ausculta 0.1.0',
  stationName: 'ward-laptop-3',
}

function bitsOf(samples: Float32Array): Uint32Array {
  return new Uint32Array(samples.buffer, samples.byteOffset, samples.length)
}

/** The same file without our private block: what a system that ignores private data sees. */
function withoutPrivate(bytes: Uint8Array): Uint8Array {
  const { dataset } = decodePart10(bytes)
  for (const t of [...dataset.keys()]) if (t >>> 16 === 0x0071) dataset.delete(t)
  return encodePart10(
    {
      sopClassUid: GENERAL_AUDIO_WAVEFORM_SOP_CLASS,
      sopInstanceUid: identity.instanceUid,
      implementationClassUid: '2.25.1',
      implementationVersionName: 'TEST',
    },
    dataset,
  )
}

describe('session → DICOM General Audio Waveform → session', () => {
  it('gives back a 16-bit recording bit for bit, with its metadata, trace and annotations, and no float block', () => {
    const session = sharingSession()
    const bytes = encodeSessionDicom(session, identity)
    const back = decodeSessionDicom(bytes, 'test.dcm')
    expect(back.source).toBe('ausculta')
    expect(back.meta).toEqual(session.meta)
    expect(back.trace).toEqual(session.trace)
    expect(back.annotations).toEqual(session.annotations)
    expect(bitsOf(back.samples)).toEqual(bitsOf(session.samples))
    expect([back.studyUid, back.seriesUid, back.instanceUid]).toEqual([identity.studyUid, identity.seriesUid, identity.instanceUid])
    const { dataset, meta } = decodePart10(bytes)
    expect(dataset.has(T.AuscultaFloat32Samples)).toBe(false)
    expect(read.text(meta, tag(0x0002, 0x0002))).toBe(GENERAL_AUDIO_WAVEFORM_SOP_CLASS)
    // 16-bit PCM: 2 bytes a sample plus headers and the JSON block (< 8 kB for this session).
    expect(bytes.length).toBeLessThan(session.samples.length * 2 + 8192)
  })

  it('keeps samples 16-bit PCM cannot hold exactly in the float32 block, bit for bit', () => {
    const session = sharingSession({ scale: 0.7 })
    const back = decodeSessionDicom(encodeSessionDicom(session, identity))
    expect(bitsOf(back.samples)).toEqual(bitsOf(session.samples))
  })

  it('says patient, site, times, rate, audio and HR points in standard attributes alone', () => {
    for (const location of ['AV', 'other'] as const) {
      const session = sharingSession({ location })
      const back = decodeSessionDicom(withoutPrivate(encodeSessionDicom(session, identity)))
      expect(back.source).toBe('standard')
      expect(back.meta.patient).toEqual({ id: 'MRN-0042', name: 'Zoë Ångström', sex: 'female' })
      expect(back.meta.location).toBe(location)
      expect(back.meta.locationDetail).toBe(session.meta.locationDetail)
      expect(back.meta.notes).toBe(session.meta.notes)
      expect(back.meta.startedAt).toBe(session.meta.startedAt)
      expect(back.meta.endedAt).toBe(session.meta.endedAt)
      expect(back.meta.sampleRateHz).toBe(session.meta.sampleRateHz)
      expect(back.meta.device).toEqual(session.meta.device)
      expect(bitsOf(back.samples)).toEqual(bitsOf(session.samples))
      const points = session.trace.filter((e) => e.hrBpm !== null)
      expect(back.trace.map((e) => e.timeS)).toEqual(points.map((e) => e.timeS))
      // DS holds 16 characters: 74.12345678901234 comes back to 14 significant digits.
      back.trace.forEach((e, i) => expect(e.hrBpm).toBeCloseTo(points[i]?.hrBpm as number, 12))
    }
  })

  it('refuses what the IOD cannot hold and files that are not ours to read, with typed errors', () => {
    const session = sharingSession()
    expect(() => encodeSessionDicom({ ...session, meta: { ...session.meta, sampleRateHz: 48_000 } }, identity)).toThrow(
      InvalidArgumentError,
    )
    expect(() => encodeSessionDicom({ ...session, samples: new Float32Array(0) }, identity)).toThrow(InvalidArgumentError)
    expect(() => encodeSessionDicom(session, { ...identity, seriesUid: '1.02.3' })).toThrow(InvalidArgumentError)
    const bytes = encodeSessionDicom(session, identity)
    for (const cut of [10, 131, 140, 400, bytes.length - 1])
      expect(() => decodeSessionDicom(bytes.subarray(0, cut))).toThrow(DicomFormatError)
    const notAudio = decodePart10(bytes).dataset
    notAudio.set(T.SOPClassUID, el.text('UI', '1.2.840.10008.5.1.4.1.1.9.1.1'))
    const ecg = encodePart10(
      { sopClassUid: '1.2', sopInstanceUid: '1.3', implementationClassUid: '1.4', implementationVersionName: 'X' },
      notAudio,
    )
    expect(() => decodeSessionDicom(ecg, 'ecg.dcm')).toThrow(/ecg.dcm: SOP class 1.2.840.10008.5.1.4.1.1.9.1.1 is not General Audio/)
  })

  it('damaged files (bytes flipped in the header area, cut anywhere) give typed errors or a session, never a crash', () => {
    // A short session keeps the loop fast; the flips land in the first 4 kB (meta, modules, sequences).
    const session = sharingSession()
    const bytes = encodeSessionDicom({ ...session, samples: session.samples.subarray(0, 4000) }, identity)
    const random = seededRandom(18)
    for (let trial = 0; trial < 300; trial++) {
      const damaged = bytes.slice(0, random.chance(0.3) ? random.int(0, bytes.length) : bytes.length)
      for (let flips = random.int(1, 4); flips > 0; flips--) {
        const at = random.int(0, Math.min(4096, damaged.length - 1))
        if (damaged.length > 0) damaged[at] = random.int(0, 255)
      }
      try {
        decodeSessionDicom(damaged, `trial ${trial}`)
      } catch (error) {
        if (!(error instanceof AuscultaError)) throw new Error(`trial ${trial} (seed 18): ${String(error)}`, { cause: error })
      }
    }
  })

  it('reads sequences and items of undefined length (as other systems write them)', () => {
    const item = [0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff]
    const itemEnd = [0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0]
    const seqEnd = [0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]
    // (0008,0100) SH "AB", inside (0040,A043) SQ of undefined length.
    const code = [0x08, 0x00, 0x00, 0x01, 0x53, 0x48, 2, 0, 0x41, 0x42]
    const sq = [0x40, 0x00, 0x43, 0xa0, 0x53, 0x51, 0, 0, 0xff, 0xff, 0xff, 0xff, ...item, ...code, ...itemEnd, ...seqEnd]
    const head = encodePart10(
      { sopClassUid: '1.2', sopInstanceUid: '1.3', implementationClassUid: '1.4', implementationVersionName: 'X' },
      new Map(),
    )
    const file = new Uint8Array([...head, ...sq])
    const { dataset } = decodePart10(file)
    expect(read.text(read.items(dataset, T.ConceptNameCodeSequence)[0] ?? new Map(), T.CodeValue)).toBe('AB')
  })

  it('passes dciodvfy (dicom3tools) without errors, when it is installed', () => {
    // dicom3tools (2022) knows the General Audio Waveform SOP class but has no IOD template for it;
    // Basic Voice Audio is the same module set (Patient … Waveform, Acquisition Context, Waveform
    // Annotation, SOP Common), so a copy declared as Basic Voice is checked module by module.
    const dciodvfy = '/usr/bin/dciodvfy'
    if (!existsSync(dciodvfy)) {
      console.warn('dciodvfy not installed (apt dicom3tools, listed in scripts/apt-packages.txt): IOD check skipped')
      return
    }
    const basicVoice = '1.2.840.10008.5.1.4.1.1.9.4.1'
    const { dataset } = decodePart10(encodeSessionDicom(sharingSession({ location: 'other' }), identity))
    dataset.set(T.SOPClassUID, el.text('UI', basicVoice))
    const file = join(testTempDir('ausculta-dicom-'), 'session.dcm')
    writeFileSync(
      file,
      encodePart10(
        { sopClassUid: basicVoice, sopInstanceUid: identity.instanceUid, implementationClassUid: '2.25.1', implementationVersionName: 'T' },
        dataset,
      ),
    )
    const run = spawnSync(dciodvfy, [file], { encoding: 'utf8' })
    const report = `${run.stdout}${run.stderr}`
    expect(report).toContain('BasicVoice')
    expect(report.split('\n').filter((line) => line.startsWith('Error'))).toEqual([])
  })
})

describe('DICOM values', () => {
  it('2.25 UIDs from UUIDs and hashes are valid UIDs of at most 64 characters', () => {
    expect(uuidToDicomUid('00000000-0000-0000-0000-000000000001')).toBe('2.25.1')
    const max = uuidToDicomUid('ffffffff-ffff-ffff-ffff-ffffffffffff')
    expect(max).toBe('2.25.340282366920938463463374607431768211455')
    expect(isDicomUid(max)).toBe(true)
    const fromHash = uuidFromHash(new Uint8Array(32).fill(0xab))
    expect(fromHash).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(() => uuidToDicomUid('not-a-uuid')).toThrow(InvalidArgumentError)
    expect(isDicomUid('1.2.03')).toBe(false)
  })

  it('DS keeps the exact form where 16 characters allow, else the most digits that fit', () => {
    expect(formatDs(4000)).toBe('4000')
    expect(formatDs(7.000244140625)).toBe('7.000244140625')
    expect(formatDs(74.12345678901234).length).toBeLessThanOrEqual(16)
    expect(Number(formatDs(74.12345678901234))).toBeCloseTo(74.12345678901234, 12)
    expect(Number(formatDs(1e-20))).toBe(1e-20)
  })

  it('DT with and without offsets', () => {
    expect(parseDicomDateTime('20261203101502.250000+0000').toISOString()).toBe('2026-12-03T10:15:02.250Z')
    expect(parseDicomDateTime('20261203111502+0100').toISOString()).toBe('2026-12-03T10:15:02.000Z')
    expect(parseDicomDateTime('20261203').toISOString()).toBe('2026-12-03T00:00:00.000Z')
    expect(() => parseDicomDateTime('yesterday')).toThrow(DicomFormatError)
  })
})
