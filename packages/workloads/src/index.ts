export type { TraceRequest, Workload } from './types.js';
export type { TraceErrorCode, TraceErrorLocation } from './errors.js';
export { TRACE_ERROR_CODES, TraceError } from './errors.js';
export type { AzureCsvOptions } from './azure.js';
export { AZURE_HEADER, parseAzureCsv } from './azure.js';
export type { MooncakeJsonlOptions } from './mooncake.js';
export { parseMooncakeJsonl } from './mooncake.js';
export type { ArrivalUnit, ColumnMapping } from './mapping.js';
export { ARRIVAL_UNITS, columnMappingSchema } from './mapping.js';
export type { GenericTraceOptions } from './generic.js';
export { parseCsv, parseJsonl } from './generic.js';
export type { LoadTraceOptions } from './load.js';
export { inferFormat, loadTrace } from './load.js';
export type {
  BuiltinTrace,
  BuiltinTraceName,
  ResolveTraceOptions,
  TraceFormat,
} from './builtin.js';
export {
  BUILTIN_TRACE_NAMES,
  builtinTraces,
  isBuiltinTraceName,
  resolveTrace,
  TRACE_FORMATS,
} from './builtin.js';
export type { LengthStats, WorkloadStats } from './stats.js';
export { workloadStats } from './stats.js';
export type { ArrivalSpec, GenerateOptions, LengthSpec } from './generate.js';
export { checkGenerateOptions, drawLength, generate, renewalArrivalsMs } from './generate.js';
export { syntheticPresets } from './presets.js';
export type { WindowOptions } from './time.js';
export { firstN, scaleTime, scaleToRate, window, withPoissonArrivals } from './time.js';
export type { CapLengthsOptions } from './lengths.js';
export { capLengths } from './lengths.js';
export type { MixOptions } from './mix.js';
export { mix } from './mix.js';
export type { TraceFormatSpec } from './format-spec.js';
export { parseTraceFormat, TraceFormatError } from './format-spec.js';
