import { describe, expect, it } from 'vitest'
import type { PacsSeriesRowView } from '../../src/core/api/pacs-contract'
import { pacsPatient, pacsWhat, pacsWhen } from '../../src/renderer/src/lib/sharing/pacs-format'

const row: PacsSeriesRowView = {
  studyUid: '2.25.1',
  seriesUid: '2.25.2',
  patientName: 'Silva^Ana',
  patientId: 'P-1042',
  startedAt: '2026-03-01T09:15:00.000Z',
  description: 'Heart sounds, pulmonary area (PV)',
  station: 'ward-3',
  instances: 1,
  inLibrary: false,
}

describe('PACS list words', () => {
  it('names patient, time and what was recorded where, and says what is missing', () => {
    expect(pacsPatient(row)).toBe('Silva Ana · P-1042')
    expect(pacsPatient({ ...row, patientName: '', patientId: '' })).toBe('No patient')
    expect(pacsWhat(row)).toBe('Heart sounds, pulmonary area (PV) · from ward-3')
    expect(pacsWhat({ ...row, description: '', station: '' })).toBe('Heart sounds')
    expect(pacsWhen({ ...row, startedAt: '' })).toBe('date unknown')
    expect(pacsWhen(row, 'en-GB')).toMatch(/2026/)
  })
})
