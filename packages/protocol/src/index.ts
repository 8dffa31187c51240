export const PACKAGE = '@adagen/protocol';
