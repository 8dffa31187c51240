export const PACKAGE = '@adagen/workloads';
