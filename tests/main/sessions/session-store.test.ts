import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../src/core/errors'
import { CorruptSessionError, SessionNotFoundError } from '../../../src/core/sessions/session-errors'
import { SessionRecorder } from '../../../src/main/sessions/session-recorder'
import { SessionLibrary } from '../../../src/main/sessions/session-store'
import { recordCircor } from './helpers/record-circor'

const root = mkdtempSync(join(tmpdir(), 'ausculta-library-'))
const dataDir = join(root, 'data')
const library = new SessionLibrary(dataDir)
const ids: Record<string, string> = {}
afterAll(() => rmSync(root, { recursive: true, force: true }))

beforeAll(() => {
  // Three real recordings on three days, two patients, different sites and heart rates.
  ids.av = recordCircor(dataDir, '68303_AV', {
    startedAt: new Date('2026-11-01T08:00:00Z'),
    patient: { id: '68303', name: 'Ana Lima' },
  }).meta.id
  ids.mv = recordCircor(dataDir, '74420_MV', {
    startedAt: new Date('2026-11-02T08:00:00Z'),
    patient: { id: '74420', name: 'Bruno Reis' },
    notes: 'holosystolic murmur',
  }).meta.id
  ids.pv = recordCircor(dataDir, '84740_PV', {
    startedAt: new Date('2026-11-03T08:00:00Z'),
    patient: { id: '68303', name: 'Ana Lima' },
  }).meta.id
})

describe('SessionLibrary', () => {
  it('lists every session with its metadata', () => {
    const { sessions, problems } = library.list()
    expect(problems).toEqual([])
    expect(sessions.map((s) => s.meta.id).sort()).toEqual(Object.values(ids).sort())
  })

  it('searches and filters by patient, date, location and HR range', () => {
    expect(library.search({ text: 'ana' }).map((s) => s.meta.id)).toEqual([ids.pv, ids.av])
    expect(library.search({ text: 'murmur' }).map((s) => s.meta.id)).toEqual([ids.mv])
    expect(library.search({ from: '2026-11-02T00:00:00Z', to: '2026-11-02T23:59:59Z' }).map((s) => s.meta.id)).toEqual([ids.mv])
    expect(library.search({ locations: ['AV', 'PV'] }).map((s) => s.meta.id)).toEqual([ids.pv, ids.av])
    // HR range around each session's own mean HR (from the real CirCor labels) finds just that one.
    const all = library.list().sessions
    for (const { meta } of all) {
      const mean = meta.hrSummary?.meanBpm as number
      const hits = library.search({ hrMinBpm: mean - 0.001, hrMaxBpm: mean + 0.001 }).map((s) => s.meta.id)
      expect(hits).toContain(meta.id)
    }
  })

  it('reads audio and trace back and updates metadata atomically', () => {
    expect(library.readAudio(ids.av as string).frames).toBeGreaterThan(0)
    expect(library.readTrace(ids.av as string).entries.length).toBeGreaterThan(0)
    const updated = library.updateMeta(ids.av as string, {
      notes: 'rechecked',
      patient: { id: '68303', name: 'Ana Lima', ageGroup: 'child', sex: 'female' },
    })
    expect(updated.notes).toBe('rechecked')
    expect(library.get(ids.av as string).meta.patient.ageGroup).toBe('child')
    expect(() => library.updateMeta(ids.av as string, { location: 'apex' as never })).toThrow(/field "location"/)
    expect(library.get(ids.av as string).meta.location).toBe('AV')
  })

  it('deletes to the trash and restores', () => {
    const id = ids.mv as string
    const { dir } = library.get(id)
    const trashed = library.delete(id, new Date('2026-12-01T10:00:00Z'))
    expect(trashed).toBe(join(dataDir, 'trash', '2026-12-01', id))
    expect(existsSync(dir)).toBe(false)
    expect(existsSync(join(trashed, 'audio.wav'))).toBe(true)
    expect(library.listTrash()).toEqual([id])
    expect(() => library.get(id)).toThrow(SessionNotFoundError)
    expect(library.restore(id)).toBe(dir)
    expect(library.get(id).meta.notes).toBe('holosystolic murmur')
    expect(library.listTrash()).toEqual([])
  })

  it('purges the trash only past the grace period', () => {
    const id = ids.pv as string
    library.delete(id, new Date('2026-11-10T12:00:00Z'))
    // Deleted on Nov 10: a 30-day grace period keeps it on Nov 20, a 5-day one does not.
    expect(library.purgeTrash(30, new Date('2026-11-20T00:00:00Z'))).toEqual([])
    expect(library.listTrash()).toEqual([id])
    expect(library.purgeTrash(5, new Date('2026-11-20T00:00:00Z'))).toEqual([id])
    expect(library.listTrash()).toEqual([])
    expect(() => library.restore(id)).toThrow(SessionNotFoundError)
    ids.pv = recordCircor(dataDir, '84740_PV', {
      startedAt: new Date('2026-11-03T08:00:00Z'),
      patient: { id: '68303', name: 'Ana Lima' },
    }).meta.id
  })

  it('refuses to delete a session that is still recording', () => {
    const recorder = SessionRecorder.start({ dataDir, sampleRateHz: 4000, location: 'TV', device: { id: 'd', name: 'd' }, modelId: null })
    expect(() => library.delete(recorder.id)).toThrow(InvalidArgumentError)
    recorder.stop()
    library.delete(recorder.id)
  })

  it('reports a hand-edited folder as a problem naming file and field, and lists the rest', () => {
    const { dir } = library.get(ids.pv as string)
    const metaPath = join(dir, 'session.json')
    const original = readFileSync(metaPath, 'utf8')
    writeFileSync(metaPath, original.replace('"sampleRateHz": 4000', '"sampleRateHz": "4 kHz"'))
    try {
      const { sessions, problems } = library.list()
      expect(sessions.map((s) => s.meta.id).sort()).toEqual([ids.av, ids.mv].sort())
      expect(problems).toHaveLength(1)
      expect(problems[0]?.error).toBeInstanceOf(CorruptSessionError)
      expect(problems[0]?.error.message).toContain(`${metaPath}: field "sampleRateHz"`)
      expect(() => library.get(ids.pv as string)).toThrow(CorruptSessionError)
      // Nothing was rewritten behind the user's back.
      expect(readFileSync(metaPath, 'utf8')).toContain('"4 kHz"')
    } finally {
      writeFileSync(metaPath, original)
    }
  })
})
