// Moved to dev/dockerfile.ts (the dev harness needs it too); the tests keep importing it from here.
export * from '../../dev/dockerfile.ts';
