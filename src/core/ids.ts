// Identifiers for runs and backups: sortable by time, unique enough to never collide on one machine.
import { randomBytes } from 'node:crypto';

/** e.g. 20261123T062209Z-3fa2c1: sorts by creation time. */
export function timeId(date: Date = new Date()): string {
  const stamp = date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}
