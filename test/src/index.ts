export const PACKAGE = '@adagen/testkit';
