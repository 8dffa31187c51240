export const PACKAGE = '@adagen/sim';
