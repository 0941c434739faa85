// Moved to domain/derived-signals.ts. Kept only for the providers' tests that still import it here
// (providers/ belongs to another branch); delete once they import from domain/.
export * from '../domain/derived-signals';
