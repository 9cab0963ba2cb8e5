// src/backup/external/record.ts still imports capture from here.
export { capture } from '../backup/managed/basebackup.ts';
