// src/selftest/faults/source.ts still imports managedRuntime from here.
export { managedRuntime } from '../backup/managed/runtime.ts';
