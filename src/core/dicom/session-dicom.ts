/**
 * A session as a DICOM General Audio Waveform object (PS3.3 A.34.5) and back.
 *
 * Standard attributes carry what any PACS or viewer understands: Patient, General Study, General
 * Series, General Equipment, Waveform Identification, Waveform (one multiplex group, one channel,
 * 16-bit signed PCM, the IOD's largest sample size), Acquisition Context (the site as a SNOMED CT
 * finding site, its free detail and the notes as text), Waveform Annotation (each HR point as a
 * LOINC 8867-4 numeric value in /min at its time offset; annotation spans and markers as text over
 * their time range), SOP Common.
 *
 * A private block (creator "AUSCULTA SESSION 1") carries what the standard attributes cannot hold
 * exactly: session.json, the full HR trace and annotations.json as JSON, and, only when the
 * recording has samples that 16-bit PCM cannot represent exactly, the float32 samples. So another
 * Ausculta gets the session back bit for bit, and any other system still gets standard audio.
 */
import { InvalidArgumentError } from '../errors'
import { annotationDocSchema, type AnnotationDoc } from '../sessions/annotations'
import { hrTraceEntrySchema, type HrTraceEntry } from '../sessions/hr-trace'
import { SESSION_SCHEMA_VERSION, sessionMetaSchema, type SessionLocation, type SessionMeta } from '../sessions/session-schema'
import { DicomFormatError, el, formatDs, read, type DicomDataset } from './dicom-dataset'
import { decodePart10, encodePart10 } from './dicom-part10'
import { AUSCULTA_PRIVATE_CREATOR, GENERAL_AUDIO_WAVEFORM_SOP_CLASS, T } from './dicom-tags'
import { AUSCULTA_IMPLEMENTATION_CLASS_UID, isDicomUid } from './dicom-uid'
import { COMMENT, FINDING_SITE, HEART_RATE, PER_MINUTE, SITE_CODES, SITE_TEXT, siteForCode, type Code } from './session-site-codes'
import { z } from 'zod'

/** PS3.3 A.34.5.4: the General Audio Waveform IOD allows at most 44.1 kHz. */
export const MAX_AUDIO_WAVEFORM_RATE_HZ = 44_100
/** Number of Waveform Samples is a UL; 16-bit data must also fit one 4 GiB value. */
export const MAX_AUDIO_WAVEFORM_SAMPLES = 0x7ffffffe

export interface SessionForDicom {
  meta: SessionMeta
  samples: Float32Array
  trace: readonly HrTraceEntry[]
  annotations: AnnotationDoc | null
}

export interface DicomIdentity {
  studyUid: string
  seriesUid: string
  instanceUid: string
  createdAt: Date
  /** e.g. "Ausculta 0.1.0" (Software Versions, Implementation Version Name). */
  softwareVersion: string
  stationName?: string
}

/** The samples as 16-bit PCM, and whether that is exact (every sample k/32768 with k in int16). */
export function toPcm16(samples: Float32Array): { pcm: Int16Array; exact: boolean } {
  const pcm = new Int16Array(samples.length)
  let exact = true
  for (let i = 0; i < samples.length; i++) {
    const scaled = (samples[i] as number) * 32768
    const rounded = Math.max(-32768, Math.min(32767, Math.round(Number.isFinite(scaled) ? scaled : 0)))
    if (rounded !== scaled) exact = false
    pcm[i] = rounded
  }
  return { pcm, exact }
}

function codeItem(code: Code): DicomDataset {
  return new Map([
    [T.CodeValue, el.text('SH', code.value)],
    [T.CodingSchemeDesignator, el.text('SH', code.scheme)],
    [T.CodeMeaning, el.text('LO', code.meaning)],
  ])
}

function readCode(item: DicomDataset | undefined): { scheme: string; value: string } | undefined {
  if (item === undefined) return undefined
  const value = read.text(item, T.CodeValue)
  const scheme = read.text(item, T.CodingSchemeDesignator)
  return value === undefined || scheme === undefined ? undefined : { scheme, value }
}

function pad2(n: number): string {
  return String(n).padStart(2, '0')
}

/** DA, TM and DT of an instant, in UTC (the object says +0000 in Timezone Offset From UTC). */
export function dicomDateTime(date: Date): { da: string; tm: string; dt: string } {
  if (Number.isNaN(date.getTime())) throw new InvalidArgumentError('date: not a valid time')
  const da = `${date.getUTCFullYear()}${pad2(date.getUTCMonth() + 1)}${pad2(date.getUTCDate())}`
  const fraction = `${String(date.getUTCMilliseconds()).padStart(3, '0')}000`
  const tm = `${pad2(date.getUTCHours())}${pad2(date.getUTCMinutes())}${pad2(date.getUTCSeconds())}.${fraction}`
  return { da, tm, dt: `${da}${tm}+0000` }
}

/** A DT value (YYYYMMDDHHMMSS.FFFFFF&ZZXX, trailing parts optional) as an instant; no offset means UTC. */
export function parseDicomDateTime(dt: string): Date {
  const m = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.(\d{1,6}))?([+-]\d{4})?$/.exec(dt.trim())
  if (!m) throw new DicomFormatError(`DT ${JSON.stringify(dt)}: not a DICOM date-time`)
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', frac = '0', zone = '+0000'] = m
  const ms = Math.round(Number(`0.${frac}`) * 1000)
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms)
  const sign = zone.startsWith('-') ? -1 : 1
  const offsetMin = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)))
  const date = new Date(utc - offsetMin * 60_000)
  if (Number.isNaN(date.getTime())) throw new DicomFormatError(`DT ${JSON.stringify(dt)}: not a valid time`)
  return date
}

function personName(name: string | undefined): string {
  // A backslash separates values in DICOM text; the name is one value.
  return (name ?? '').replace(/\\/g, '/')
}

const SEX_CODES = { female: 'F', male: 'M', other: 'O' } as const

function hrAnnotation(entry: HrTraceEntry & { hrBpm: number }): DicomDataset {
  return new Map([
    [T.MeasurementUnitsCodeSequence, el.sequence([codeItem(PER_MINUTE)])],
    [T.ConceptNameCodeSequence, el.sequence([codeItem(HEART_RATE)])],
    [T.ReferencedWaveformChannels, el.us([1, 1])],
    [T.TemporalRangeType, el.text('CS', 'POINT')],
    [T.ReferencedTimeOffsets, el.text('DS', formatDs(entry.timeS))],
    [T.AnnotationGroupNumber, el.us([1])],
    [T.NumericValue, el.text('DS', formatDs(entry.hrBpm))],
  ])
}

function textAnnotation(text: string, fromS: number, toS: number | undefined): DicomDataset {
  const offsets = toS === undefined ? [formatDs(fromS)] : [formatDs(fromS), formatDs(toS)]
  return new Map([
    [T.ReferencedWaveformChannels, el.us([1, 1])],
    [T.TemporalRangeType, el.text('CS', toS === undefined ? 'POINT' : 'SEGMENT')],
    [T.ReferencedTimeOffsets, el.text('DS', offsets)],
    [T.AnnotationGroupNumber, el.us([2])],
    [T.UnformattedTextValue, el.text('ST', text)],
  ])
}

function contextItem(valueType: 'CODE' | 'TEXT', name: Code, value: Code | string): DicomDataset {
  const item: DicomDataset = new Map([
    [T.ValueType, el.text('CS', valueType)],
    [T.ConceptNameCodeSequence, el.sequence([codeItem(name)])],
  ])
  if (typeof value === 'string') item.set(T.TextValue, el.text('UT', value))
  else item.set(T.ConceptCodeSequence, el.sequence([codeItem(value)]))
  return item
}

/** The private block's JSON: everything of the session that is not audio. */
const privateSessionSchema = z.object({
  format: z.literal('ausculta-session'),
  version: z.literal(1),
  session: z.unknown(),
  trace: z.array(hrTraceEntrySchema),
  annotations: annotationDocSchema.nullable(),
})

export function seriesDescription(meta: SessionMeta): string {
  return meta.location === 'other' && meta.locationDetail
    ? `Heart sounds, ${meta.locationDetail}`
    : `Heart sounds, ${SITE_TEXT[meta.location]}`
}

const SERIES_NUMBERS: Readonly<Record<SessionLocation, string>> = { AV: '1', PV: '2', TV: '3', MV: '4', other: '5' }

/** The data set (without file meta) of a session's General Audio Waveform object. */
export function sessionToDicomDataset(session: SessionForDicom, identity: DicomIdentity): DicomDataset {
  const { meta, samples } = session
  for (const [name, uid] of [
    ['studyUid', identity.studyUid],
    ['seriesUid', identity.seriesUid],
    ['instanceUid', identity.instanceUid],
  ] as const)
    if (!isDicomUid(uid)) throw new InvalidArgumentError(`${name}: ${JSON.stringify(uid)} is not a DICOM UID`)
  if (meta.sampleRateHz > MAX_AUDIO_WAVEFORM_RATE_HZ)
    throw new InvalidArgumentError(
      `session ${meta.id}: ${meta.sampleRateHz} Hz is above the ${MAX_AUDIO_WAVEFORM_RATE_HZ} Hz a DICOM General Audio Waveform allows`,
    )
  if (samples.length === 0) throw new InvalidArgumentError(`session ${meta.id}: no audio to export`)
  if (samples.length > MAX_AUDIO_WAVEFORM_SAMPLES)
    throw new InvalidArgumentError(`session ${meta.id}: ${samples.length} samples do not fit one DICOM waveform`)

  const started = dicomDateTime(new Date(meta.startedAt))
  const created = dicomDateTime(identity.createdAt)
  const { pcm, exact } = toPcm16(samples)

  const channel: DicomDataset = new Map([
    [T.WaveformChannelNumber, el.text('IS', '1')],
    [T.ChannelLabel, el.text('SH', 'PCG')],
    [T.ChannelSourceSequence, el.sequence([codeItem(SITE_CODES[meta.location])])],
    // One of Channel Time Skew / Channel Sample Skew is required; one channel has no skew.
    [T.ChannelSampleSkew, el.text('DS', '0')],
    [T.WaveformBitsStored, el.us([16])],
  ])
  const waveform: DicomDataset = new Map([
    [T.WaveformOriginality, el.text('CS', 'ORIGINAL')],
    [T.NumberOfWaveformChannels, el.us([1])],
    [T.NumberOfWaveformSamples, el.ul([samples.length])],
    [T.SamplingFrequency, el.text('DS', formatDs(meta.sampleRateHz))],
    [T.MultiplexGroupLabel, el.text('SH', 'HEART SOUNDS')],
    [T.ChannelDefinitionSequence, el.sequence([channel])],
    [T.WaveformBitsAllocated, el.us([16])],
    [T.WaveformSampleInterpretation, el.text('CS', 'SS')],
    [T.WaveformData, el.binary('OW', new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength))],
  ])

  const context = [contextItem('CODE', FINDING_SITE, SITE_CODES[meta.location])]
  if (meta.locationDetail) context.push(contextItem('TEXT', FINDING_SITE, meta.locationDetail))
  if (meta.notes) context.push(contextItem('TEXT', COMMENT, meta.notes))

  const annotations: DicomDataset[] = []
  for (const entry of session.trace) if (entry.hrBpm !== null) annotations.push(hrAnnotation({ ...entry, hrBpm: entry.hrBpm }))
  for (const item of session.annotations?.items ?? []) {
    const text = [item.kind === 'span' ? item.spanKind : 'marker', item.label, item.note].filter((s) => s !== '').join(': ')
    annotations.push(item.kind === 'span' ? textAnnotation(text, item.startS, item.endS) : textAnnotation(text, item.timeS, undefined))
  }

  const privateJson = JSON.stringify({
    format: 'ausculta-session',
    version: 1,
    session: meta,
    trace: session.trace,
    annotations: session.annotations,
  })

  const ds: DicomDataset = new Map([
    [T.SpecificCharacterSet, el.text('CS', 'ISO_IR 192')],
    [T.InstanceCreationDate, el.text('DA', created.da)],
    [T.InstanceCreationTime, el.text('TM', created.tm)],
    [T.SOPClassUID, el.text('UI', GENERAL_AUDIO_WAVEFORM_SOP_CLASS)],
    [T.SOPInstanceUID, el.text('UI', identity.instanceUid)],
    [T.StudyDate, el.text('DA', started.da)],
    [T.SeriesDate, el.text('DA', started.da)],
    [T.ContentDate, el.text('DA', started.da)],
    [T.AcquisitionDateTime, el.text('DT', started.dt)],
    [T.StudyTime, el.text('TM', started.tm)],
    [T.SeriesTime, el.text('TM', started.tm)],
    [T.ContentTime, el.text('TM', started.tm)],
    [T.AccessionNumber, el.text('SH', '')],
    [T.Modality, el.text('CS', 'AU')],
    [T.Manufacturer, el.text('LO', '')],
    [T.ReferringPhysicianName, el.text('PN', '')],
    [T.TimezoneOffsetFromUTC, el.text('SH', '+0000')],
    [T.StudyDescription, el.text('LO', meta.visitId ? 'Auscultation, 4-point exam' : 'Auscultation')],
    [T.SeriesDescription, el.text('LO', seriesDescription(meta))],
    [T.ManufacturerModelName, el.text('LO', meta.device.name)],
    [T.PatientName, el.text('PN', personName(meta.patient.name))],
    [T.PatientID, el.text('LO', meta.patient.id ?? '')],
    [T.PatientBirthDate, el.text('DA', '')],
    [T.PatientSex, el.text('CS', meta.patient.sex ? SEX_CODES[meta.patient.sex] : '')],
    [T.DeviceSerialNumber, el.text('LO', meta.device.id)],
    [T.SoftwareVersions, el.text('LO', identity.softwareVersion)],
    [T.StudyInstanceUID, el.text('UI', identity.studyUid)],
    [T.SeriesInstanceUID, el.text('UI', identity.seriesUid)],
    [T.StudyID, el.text('SH', '')],
    [T.SeriesNumber, el.text('IS', SERIES_NUMBERS[meta.location])],
    [T.InstanceNumber, el.text('IS', '1')],
    [T.AcquisitionContextSequence, el.sequence(context)],
    [T.WaveformAnnotationSequence, el.sequence(annotations)],
    [T.AuscultaPrivateCreator, el.text('LO', AUSCULTA_PRIVATE_CREATOR)],
    [T.AuscultaSessionJson, el.text('UT', privateJson)],
    [T.WaveformSequence, el.sequence([waveform])],
  ])
  if (identity.stationName) ds.set(T.StationName, el.text('SH', identity.stationName))
  if (!exact) ds.set(T.AuscultaFloat32Samples, el.binary('OF', new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength)))
  return ds
}

/** The Part 10 file of a session. */
export function encodeSessionDicom(session: SessionForDicom, identity: DicomIdentity): Uint8Array {
  return encodePart10(
    {
      sopClassUid: GENERAL_AUDIO_WAVEFORM_SOP_CLASS,
      sopInstanceUid: identity.instanceUid,
      implementationClassUid: AUSCULTA_IMPLEMENTATION_CLASS_UID,
      implementationVersionName: identity.softwareVersion.replace(/[^A-Za-z0-9._]/g, '_').slice(0, 16),
    },
    sessionToDicomDataset(session, identity),
  )
}

export interface DecodedDicomSession {
  meta: SessionMeta
  samples: Float32Array
  trace: HrTraceEntry[]
  annotations: AnnotationDoc | null
  /** 'ausculta': from our private block (exact); 'standard': rebuilt from standard attributes only. */
  source: 'ausculta' | 'standard'
  studyUid: string
  seriesUid: string
  instanceUid: string
}

function decodeSamples(ds: DicomDataset, name: string): { samples: Float32Array; sampleRateHz: number } {
  const group = read.items(ds, T.WaveformSequence)[0]
  if (group === undefined) throw new DicomFormatError(`${name}: no Waveform Sequence (5400,0100) item`)
  const channels = read.number(group, T.NumberOfWaveformChannels, 'Number of Waveform Channels')
  const count = read.number(group, T.NumberOfWaveformSamples, 'Number of Waveform Samples')
  const sampleRateHz = read.number(group, T.SamplingFrequency, 'Sampling Frequency')
  const bits = read.number(group, T.WaveformBitsAllocated, 'Waveform Bits Allocated')
  const interpretation = read.text(group, T.WaveformSampleInterpretation)
  if (!(sampleRateHz > 0)) throw new DicomFormatError(`${name}: Sampling Frequency ${sampleRateHz} Hz`)
  const data = read.bytes(group, T.WaveformData)
  if (data === undefined) throw new DicomFormatError(`${name}: Waveform Data (5400,1010) missing`)
  const bytesPer = bits / 8
  if (!((bits === 16 && interpretation === 'SS') || (bits === 8 && interpretation === 'SB')))
    throw new DicomFormatError(`${name}: ${bits}-bit ${interpretation ?? '?'} samples are not read (16-bit SS and 8-bit SB are)`)
  if (data.length < count * channels * bytesPer)
    throw new DicomFormatError(
      `${name}: Waveform Data holds ${data.length} bytes, ${count} samples × ${channels} channels need ${count * channels * bytesPer}`,
    )
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const samples = new Float32Array(count)
  // Channel 1 of the multiplex group (samples are interleaved by channel).
  for (let i = 0; i < count; i++) {
    const at = i * channels * bytesPer
    samples[i] = bits === 16 ? view.getInt16(at, true) / 32768 : view.getInt8(at) / 128
  }
  return { samples, sampleRateHz }
}

function readPrivate(ds: DicomDataset, name: string): z.infer<typeof privateSessionSchema> | undefined {
  if (read.text(ds, T.AuscultaPrivateCreator) !== AUSCULTA_PRIVATE_CREATOR) return undefined
  const text = read.text(ds, T.AuscultaSessionJson)
  if (text === undefined) return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new DicomFormatError(`${name}: Ausculta session block (0071,1001) is not JSON (${(error as Error).message})`)
  }
  const parsed = privateSessionSchema.safeParse(value)
  if (!parsed.success)
    throw new DicomFormatError(`${name}: Ausculta session block (0071,1001): ${parsed.error.issues[0]?.message ?? 'invalid'}`)
  return parsed.data
}

function standardMeta(ds: DicomDataset, name: string, sampleRateHz: number, frames: number, instanceUid: string): SessionMeta {
  const acquired = read.text(ds, T.AcquisitionDateTime) ?? `${read.text(ds, T.ContentDate) ?? ''}${read.text(ds, T.ContentTime) ?? ''}`
  const startedAt = parseDicomDateTime(acquired)
  const context = read.items(ds, T.AcquisitionContextSequence)
  let location: SessionLocation = 'other'
  let locationDetail: string | undefined
  let notes = ''
  for (const item of context) {
    const concept = readCode(read.items(item, T.ConceptNameCodeSequence)[0])
    const isSite = concept?.scheme === FINDING_SITE.scheme && concept.value === FINDING_SITE.value
    const isComment = concept?.scheme === COMMENT.scheme && concept.value === COMMENT.value
    if (isSite && read.text(item, T.ValueType) === 'CODE') {
      const code = readCode(read.items(item, T.ConceptCodeSequence)[0])
      location = (code && siteForCode(code.scheme, code.value)) ?? location
    } else if (isSite) locationDetail = read.text(item, T.TextValue)
    else if (isComment) notes = read.text(item, T.TextValue) ?? ''
  }
  const sex = { F: 'female', M: 'male', O: 'other' }[read.text(ds, T.PatientSex) ?? ''] as 'female' | 'male' | 'other' | undefined
  const patientName = read.text(ds, T.PatientName)
  const patientId = read.text(ds, T.PatientID)
  const stamp = startedAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  const meta = {
    schemaVersion: SESSION_SCHEMA_VERSION,
    // Same DICOM object, same id: the last six digits of its instance UID.
    id: `${stamp}-${instanceUid.replace(/\D/g, '').slice(-6)}`,
    status: 'complete',
    startedAt: startedAt.toISOString(),
    endedAt: new Date(startedAt.getTime() + (frames / sampleRateHz) * 1000).toISOString(),
    patient: {
      ...(patientId ? { id: patientId } : {}),
      ...(patientName ? { name: patientName } : {}),
      ...(sex ? { sex } : {}),
    },
    location,
    ...(locationDetail ? { locationDetail } : {}),
    device: { id: read.text(ds, T.DeviceSerialNumber) ?? 'dicom', name: read.text(ds, T.ManufacturerModelName) ?? 'DICOM audio' },
    sampleRateHz: Math.round(sampleRateHz),
    modelId: null,
    audio: { file: 'audio.wav', sampleFormat: 'float32', channels: 1, frames, durationS: frames / sampleRateHz },
    notes,
    repairs: [],
  }
  const parsed = sessionMetaSchema.safeParse(meta)
  if (!parsed.success) throw new DicomFormatError(`${name}: standard attributes do not make a session (${parsed.error.issues[0]?.message})`)
  return parsed.data
}

/** HR points of the standard Waveform Annotation Sequence (time and rate; no confidence or layers). */
function standardTrace(ds: DicomDataset): HrTraceEntry[] {
  const entries: HrTraceEntry[] = []
  for (const item of read.items(ds, T.WaveformAnnotationSequence)) {
    const concept = readCode(read.items(item, T.ConceptNameCodeSequence)[0])
    if (concept?.scheme !== HEART_RATE.scheme || concept.value !== HEART_RATE.value) continue
    const timeS = Number(read.text(item, T.ReferencedTimeOffsets))
    const hrBpm = Number(read.text(item, T.NumericValue))
    if (!Number.isFinite(timeS) || !Number.isFinite(hrBpm)) continue
    entries.push({ timeS, hrBpm, confidence: 0, layers: [], classicalHrBpm: null, classicalQuality: 0 })
  }
  return entries.sort((a, b) => a.timeS - b.timeS)
}

/** A General Audio Waveform object (ours or another system's) as a session. */
export function decodeSessionDicom(bytes: Uint8Array, name = 'DICOM file'): DecodedDicomSession {
  const { dataset: ds } = decodePart10(bytes, name)
  const sopClass = read.text(ds, T.SOPClassUID)
  if (sopClass !== GENERAL_AUDIO_WAVEFORM_SOP_CLASS)
    throw new DicomFormatError(
      `${name}: SOP class ${sopClass ?? '(none)'} is not General Audio Waveform (${GENERAL_AUDIO_WAVEFORM_SOP_CLASS})`,
    )
  const uids = {
    studyUid: read.requiredText(ds, T.StudyInstanceUID, 'Study Instance UID'),
    seriesUid: read.requiredText(ds, T.SeriesInstanceUID, 'Series Instance UID'),
    instanceUid: read.requiredText(ds, T.SOPInstanceUID, 'SOP Instance UID'),
  }
  const pcm = decodeSamples(ds, name)
  let samples = pcm.samples
  const floats = read.bytes(ds, T.AuscultaFloat32Samples)
  const block = readPrivate(ds, name)
  if (floats !== undefined && block !== undefined) {
    if (floats.length !== samples.length * 4)
      throw new DicomFormatError(`${name}: float32 samples (0071,1002) hold ${floats.length / 4} samples, the waveform ${samples.length}`)
    samples = new Float32Array(floats.slice().buffer)
  }
  if (block === undefined) {
    return {
      ...uids,
      meta: standardMeta(ds, name, pcm.sampleRateHz, samples.length, uids.instanceUid),
      samples,
      trace: standardTrace(ds),
      annotations: null,
      source: 'standard',
    }
  }
  const stored = sessionMetaSchema.safeParse(block.session)
  if (!stored.success)
    throw new DicomFormatError(`${name}: Ausculta session block: session ${stored.error.issues[0]?.message ?? 'invalid'}`)
  if (stored.data.sampleRateHz !== pcm.sampleRateHz)
    throw new DicomFormatError(`${name}: session says ${stored.data.sampleRateHz} Hz, the waveform ${pcm.sampleRateHz} Hz`)
  return { ...uids, meta: stored.data, samples, trace: block.trace, annotations: block.annotations, source: 'ausculta' }
}
