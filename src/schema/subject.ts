/** Subject names as every registry implementation accepts them. */
import { FastdataError } from '../errors.js';

export function checkSubject(subject: unknown): string {
  if (typeof subject !== 'string' || subject.length === 0 || /[\u0000-\u001f]/.test(subject)) {
    throw new FastdataError('FD_ARGUMENT_INVALID', `subject ${JSON.stringify(subject)} is not a subject name: a non-empty string without control characters, e.g. "sensor.readings-value"`, {
      context: { field: 'subject' },
    });
  }
  return subject;
}
