export const PACKAGE = '@adagen/estimator';
