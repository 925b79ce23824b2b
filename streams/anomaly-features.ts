/**
 * The features of a sensor's minute that the demo's ONNX anomaly model scores
 * (sensor-onnx-anomalies.ts) and was trained on (scripts/train-anomaly-model.ts): one
 * function, so the stream and the training compute them alike. None depends on the
 * sensor's own level (rooms differ by 8 °C), only on how its minute moves:
 *
 *   slope        °C per minute, least squares over the minute (overheating climbs ~2 °C/min)
 *   logNoise     log10(0.001 + the spread in °C of the readings around that line): a stuck
 *                sensor's readings do not move (-3), a healthy one's noise is about -1.3
 *   range        °C, highest minus lowest reading
 */

/** The model's input width: [slope, logNoise, range]. */
export const FEATURES = 3;

export function minuteFeatures(readings: readonly { ts: number; temperature: number }[]): [number, number, number] {
  const n = readings.length;
  if (n === 0) return [0, 0, 0];
  let mt = 0;
  let my = 0;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const r of readings) {
    mt += r.ts / 60_000;
    my += r.temperature;
    lo = Math.min(lo, r.temperature);
    hi = Math.max(hi, r.temperature);
  }
  mt /= n;
  my /= n;
  let stt = 0;
  let sty = 0;
  for (const r of readings) {
    const dt = r.ts / 60_000 - mt;
    stt += dt * dt;
    sty += dt * (r.temperature - my);
  }
  const slope = stt > 0 ? sty / stt : 0;
  let sse = 0;
  for (const r of readings) {
    const e = r.temperature - (my + slope * (r.ts / 60_000 - mt));
    sse += e * e;
  }
  return [slope, Math.log10(0.001 + Math.sqrt(sse / n)), hi - lo];
}
