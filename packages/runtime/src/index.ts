export const PACKAGE = '@adagen/runtime';
