export const PACKAGE = '@adagen/engine';
