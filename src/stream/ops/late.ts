import type { DeadLetter } from '../host/dead-letters.js';

const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms));

/**
 * The dead letter of a record that came after every window it belongs to closed: its
 * event time, the watermark it missed (also as headers) and `allowance`, what the operator
 * allows, e.g. "tumbling(1m, ...) allows 10s of grace".
 */
export function lateLetter(time: number, watermark: number, closed: string, allowance: string): DeadLetter {
  return {
    reason: 'late',
    message: `event time ${iso(time)} arrived after its ${closed} closed: the watermark is ${iso(watermark)} and ${allowance}`,
    details: { 'fastdata.event.time': String(time), 'fastdata.watermark': String(watermark) },
  };
}
