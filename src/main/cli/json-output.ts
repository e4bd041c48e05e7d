/** JSON has no NaN or Infinity: the commands' --json output writes undefined figures as null. */
export function jsonWithNulls(value: unknown, indent?: number): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), indent)
}
