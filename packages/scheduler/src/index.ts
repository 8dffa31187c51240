export const PACKAGE = '@adagen/scheduler';
