/**
 * The HID table and node-hid adapter. No HID device exists on the test machines (no /dev/uhid,
 * no hidraw nodes), so enumeration is checked to work and to find nothing, and matching is
 * checked on interface descriptions shaped like node-hid's devices() output.
 */
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { HidUnavailableError, listHidControls, loadHidTable, matchHidEntries } from '../../../src/main/devices/hid-controls'

describe('hid-devices.json', () => {
  const entries = loadHidTable()
  it('loads and validates, with only generic (null id) entries', () => {
    expect(entries.length).toBeGreaterThanOrEqual(2)
    // no vendor ids are claimed until real devices have been seen
    expect(entries.every((e) => e.vendorId === null && e.productId === null)).toBe(true)
  })
  it('matches a consumer-control interface and not a keyboard one', () => {
    const headset = { vendorId: 0x1234, productId: 0x5678, usagePage: 0x0c, usage: 0x01, interface: 3 }
    const keyboard = { vendorId: 0x1234, productId: 0x5678, usagePage: 0x01, usage: 0x06, interface: 0 }
    expect(matchHidEntries(headset, entries).length).toBeGreaterThan(0)
    expect(matchHidEntries(keyboard, entries)).toEqual([])
    const specific = { ...entries[0]!, id: 'x', vendorId: 0x1234, productId: 0x5678 }
    expect(matchHidEntries(headset, [...entries, specific])).toEqual([specific])
  })
})

describe('listHidControls (real node-hid)', () => {
  it('lists exactly the interfaces node-hid enumerates that the table matches, each with its table entry', async () => {
    const entries = loadHidTable()
    const controls = await listHidControls(entries)
    const all = await (
      createRequire(__filename)('node-hid') as { devicesAsync(): Promise<Parameters<typeof matchHidEntries>[0][]> }
    ).devicesAsync()
    const matched = all.filter((device) => device.path && matchHidEntries(device, entries).length > 0)
    expect(controls.map((c) => c.path)).toEqual(matched.map((device) => device.path))
    expect(controls.filter((c) => !entries.includes(c.entry))).toEqual([])
  })
  it('names the bad action in a broken table', () => {
    const broken = {
      devices: [
        {
          id: 'x',
          name: 'x',
          vendorId: null,
          productId: null,
          report: { kind: 'bitmap', byteOffset: 0, bits: {} },
          actions: { mute: 'explode' },
        },
      ],
    }
    expect(() => loadHidTable(broken, 'my.json')).toThrow(HidUnavailableError)
    expect(() => loadHidTable(broken, 'my.json')).toThrow(/my.json: devices\[0\] \(x\): actions.mute "explode"/)
  })
})
