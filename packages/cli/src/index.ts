export const PACKAGE = '@adagen/cli';
