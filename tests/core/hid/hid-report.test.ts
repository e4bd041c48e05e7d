/**
 * HID report parsing on byte sequences as USB consumer-control interfaces send them.
 *
 * No virtual HID device can exist on the test machines (no /dev/uhid, no hidraw in the
 * container), so node-hid itself is not exercised here: these are the reports such a device
 * delivers, written out byte by byte after the HID Usage Tables (Consumer page 0x0C:
 * 0xCD Play/Pause, 0xE2 Mute, 0xE9 Volume Up, 0xEA Volume Down). node-hid hands JS the report
 * bytes including the report ID byte when the device uses report IDs.
 */
import { describe, expect, it } from 'vitest'
import {
  HidButtonTracker,
  HidLayoutError,
  HidReportError,
  actionsFor,
  checkLayout,
  heldControls,
  type HidReportLayout,
} from '../../../src/core/hid/hid-report'

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values)

/** A usage-array consumer report: report ID 1, one 16-bit little-endian usage slot. */
const USAGE_ARRAY: HidReportLayout = { kind: 'usage-array', reportId: 1, byteOffset: 0, usageBytes: 2, slots: 1 }
/** A bitmap consumer report without report ID: bit0 Vol+, bit1 Vol-, bit2 Mute, bit3 Play/Pause. */
const BITMAP: HidReportLayout = {
  kind: 'bitmap',
  byteOffset: 0,
  bits: { '0': 'volume-up', '1': 'volume-down', '2': 'mute', '3': 'play-pause' },
}

describe('HID consumer-control reports', () => {
  it('usage array: press and release of Play/Pause, then Mute', () => {
    // the sequence a headset sends for "tap play/pause, tap mute": each press and each release is one report
    const recorded = [bytes(0x01, 0xcd, 0x00), bytes(0x01, 0x00, 0x00), bytes(0x01, 0xe2, 0x00), bytes(0x01, 0x00, 0x00)]
    const tracker = new HidButtonTracker(USAGE_ARRAY)
    expect(recorded.map((r) => tracker.push(r))).toEqual([
      [{ control: 'play-pause', pressed: true }],
      [{ control: 'play-pause', pressed: false }],
      [{ control: 'mute', pressed: true }],
      [{ control: 'mute', pressed: false }],
    ])
  })

  it('usage array: a held button repeats reports but fires once; other report IDs are ignored', () => {
    const tracker = new HidButtonTracker(USAGE_ARRAY)
    // devices resend the same state (e.g. every 8 ms while held) and interleave other reports (ID 2: a keyboard page)
    const recorded = [
      bytes(0x01, 0xe9, 0x00),
      bytes(0x01, 0xe9, 0x00),
      bytes(0x02, 0x04, 0x00),
      bytes(0x01, 0xe9, 0x00),
      bytes(0x01, 0x00, 0x00),
    ]
    const events = recorded.flatMap((r) => tracker.push(r))
    expect(events).toEqual([
      { control: 'volume-up', pressed: true },
      { control: 'volume-up', pressed: false },
    ])
  })

  it('usage array: unknown usages get a name that shows the code', () => {
    expect(heldControls(bytes(0x01, 0x23, 0x02), USAGE_ARRAY)).toEqual(new Set(['usage-0x0223']))
  })

  it('bitmap: chords press and release independently', () => {
    const tracker = new HidButtonTracker(BITMAP)
    const recorded = [bytes(0b0000_0100), bytes(0b0000_1100), bytes(0b0000_1000), bytes(0b0000_0000)]
    expect(recorded.map((r) => tracker.push(r))).toEqual([
      [{ control: 'mute', pressed: true }],
      [{ control: 'play-pause', pressed: true }],
      [{ control: 'mute', pressed: false }],
      [{ control: 'play-pause', pressed: false }],
    ])
  })

  it('maps presses (not releases) to actions', () => {
    const mapping = { 'play-pause': 'record-toggle', mute: 'mark', 'volume-up': 'none' } as const
    const tracker = new HidButtonTracker(USAGE_ARRAY)
    const actions = [bytes(0x01, 0xcd, 0x00), bytes(0x01, 0x00, 0x00), bytes(0x01, 0xe9, 0x00), bytes(0x01, 0xe2, 0x00)].flatMap((r) =>
      actionsFor(tracker.push(r), mapping),
    )
    expect(actions).toEqual(['record-toggle', 'mark'])
  })

  it('reports a too-short report as a typed error naming its length', () => {
    expect(() => heldControls(bytes(0x01, 0xcd), USAGE_ARRAY)).toThrow(HidReportError)
    expect(() => heldControls(bytes(), BITMAP)).toThrow(/HID report of 0 bytes/)
    expect(heldControls(bytes(), USAGE_ARRAY)).toBeUndefined() // no report ID byte: not ours
  })

  it('rejects a bad layout naming the field', () => {
    expect(() => checkLayout({ ...USAGE_ARRAY, usageBytes: 3 as 2 }, 'test')).toThrow(HidLayoutError)
    expect(() => checkLayout({ ...USAGE_ARRAY, usageBytes: 3 as 2 }, 'test')).toThrow(/report.usageBytes 3/)
  })
})
