/**
 * The patient facts shared by the patient `.txt` (`#Key: value` lines) and `training_data.csv`,
 * typed. CirCor writes a missing value as `nan`; here it is `null`. Values outside the known
 * vocabulary are kept as written (the dataset may grow) rather than rejected: only the
 * structure of a file is an error, not a new word.
 */
export type AgeGroup = 'Neonate' | 'Infant' | 'Child' | 'Adolescent' | 'Young Adult'
export type MurmurStatus = 'Present' | 'Absent' | 'Unknown'
/** AV aortic, PV pulmonary, TV tricuspid, MV mitral, Phc any other place. */
export type RecordingLocation = 'AV' | 'PV' | 'TV' | 'MV' | 'Phc'

export const KNOWN_LOCATIONS: readonly RecordingLocation[] = ['AV', 'PV', 'TV', 'MV', 'Phc']

export interface PatientMetadata {
  /** null where CirCor has `nan` (adults and pregnant women have no age group). */
  readonly ageGroup: AgeGroup | string | null
  readonly sex: 'Female' | 'Male' | string | null
  readonly heightCm: number | null
  readonly weightKg: number | null
  readonly pregnant: boolean | null
  readonly murmur: MurmurStatus | string | null
  readonly outcome: 'Normal' | 'Abnormal' | string | null
  readonly campaign: string | null
  /** Another patient id of the same person: such patients must stay in the same split. */
  readonly additionalId: string | null
  /** Every field as written, `nan` as null, keyed by CirCor's own field names. */
  readonly fields: Readonly<Record<string, string | null>>
}

/** `nan` and empty → null, everything else trimmed. */
export function circorValue(raw: string | undefined): string | null {
  if (raw === undefined) return null
  const value = raw.trim()
  return value === '' || value.toLowerCase() === 'nan' ? null : value
}

/**
 * Builds the typed view from CirCor's field names (`Age`, `Sex`, `Murmur`, `Additional ID`...).
 * `fail(field, value, expected)` reports a value that cannot be read (e.g. a height that is not
 * a number) with the caller's file and line.
 */
export function patientMetadataFromFields(
  fields: Readonly<Record<string, string | null>>,
  fail: (field: string, value: string, expected: string) => never,
): PatientMetadata {
  const number = (field: string): number | null => {
    const value = fields[field] ?? null
    if (value === null) return null
    const parsed = Number(value)
    if (!Number.isFinite(parsed)) fail(field, value, 'a number or nan')
    return parsed
  }
  const pregnancy = fields['Pregnancy status'] ?? null
  let pregnant: boolean | null = null
  if (pregnancy !== null) {
    if (pregnancy === 'True') pregnant = true
    else if (pregnancy === 'False') pregnant = false
    else fail('Pregnancy status', pregnancy, 'True, False or nan')
  }
  const additional = fields['Additional ID'] ?? null
  return {
    ageGroup: fields['Age'] ?? null,
    sex: fields['Sex'] ?? null,
    heightCm: number('Height'),
    weightKg: number('Weight'),
    pregnant,
    murmur: fields['Murmur'] ?? null,
    outcome: fields['Outcome'] ?? null,
    campaign: fields['Campaign'] ?? null,
    // The CSV stores ids as integers, sometimes written as floats ("50054.0") by pandas.
    additionalId: additional === null ? null : additional.replace(/\.0+$/, ''),
    fields,
  }
}
