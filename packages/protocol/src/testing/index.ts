// Test helpers other packages' tests share (`@adagen/protocol/testing`).
export { plainRecord } from './plain-record.js';
export { checkTypedCheckLaw, expectCodecRefuses, expectLeftToSchema } from './typed-check-law.js';
export type { TypedCheckLawOptions } from './typed-check-law.js';
export { readyState } from './states.js';
export type { ReadyStateOptions } from './states.js';
