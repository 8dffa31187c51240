export const PACKAGE = '@adagen/stats';
