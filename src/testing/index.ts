/**
 * fastdata/testing: run a stream module with no log and no server, for model authors' tests.
 */
export { TestDriver } from './driver.js';
export type { DriverOptions, PipeOptions, DriverOutput, DriverDeadLetter } from './driver.js';
export { ManualClock } from '../time/clock.js';
