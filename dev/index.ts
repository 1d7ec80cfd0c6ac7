// The dev harness: at the root, not under test/, because test/, bench/ and scripts/ all import it and it imports none of them.
export * from './dockerfile.ts';
export * from './paths.ts';
export * from './wait.ts';
export * from './names.ts';
export * from './net.ts';
export * from './stack.ts';
export * from './kafka.ts';
export * from './cassandra.ts';
export * from './processes.ts';
export * from './metrics.ts';
export * from './resources.ts';
export * from './shellcheck.ts';
