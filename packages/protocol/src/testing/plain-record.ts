import fc from 'fast-check';

/**
 * `fc.record` of plain objects only, as msgpack decodes them (`fc.record` otherwise also makes
 * objects without a prototype, which the typed checks leave to the schema).
 */
export const plainRecord = ((model: never, constraints?: object) =>
  fc.record(model, { ...constraints, noNullPrototype: true })) as unknown as typeof fc.record;
