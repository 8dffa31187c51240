/**
 * Least squares for small dense problems: minimise ‖A·x − b‖² with A given row by row.
 * Columns are scaled to unit norm before forming the normal equations (the features span
 * ten orders of magnitude), solved by Gaussian elimination with partial pivoting. Columns that
 * are identically zero, or numerically dependent on earlier ones, get coefficient 0.
 */
export function leastSquares(
  rows: ReadonlyArray<ArrayLike<number>>,
  b: ArrayLike<number>,
): number[] {
  const m = rows.length;
  const n = m === 0 ? 0 : rows[0]!.length;
  const scale = new Array<number>(n).fill(0);
  for (const row of rows) for (let j = 0; j < n; j++) scale[j]! += row[j]! * row[j]!;
  for (let j = 0; j < n; j++) scale[j] = scale[j]! > 0 ? 1 / Math.sqrt(scale[j]!) : 0;

  // Normal equations on the scaled columns: (SᵀAᵀAS) y = SᵀAᵀb, x = S y.
  const ata: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const atb = new Array<number>(n).fill(0);
  for (let i = 0; i < m; i++) {
    const row = rows[i]!;
    for (let j = 0; j < n; j++) {
      const aj = row[j]! * scale[j]!;
      if (aj === 0) continue;
      atb[j]! += aj * b[i]!;
      const rj = ata[j]!;
      for (let k = 0; k < n; k++) rj[k]! += aj * row[k]! * scale[k]!;
    }
  }
  const y = solveSymmetric(ata, atb);
  return y.map((v, j) => v * scale[j]!);
}

/** Solves M·y = r (M symmetric positive semi-definite, destroyed); singular directions → 0. */
export function solveSymmetric(mat: number[][], rhs: number[]): number[] {
  const n = rhs.length;
  const active = new Array<boolean>(n).fill(true);
  for (let col = 0; col < n; col++) {
    let best = col;
    for (let r = col + 1; r < n; r++) {
      if (Math.abs(mat[r]![col]!) > Math.abs(mat[best]![col]!)) best = r;
    }
    if (Math.abs(mat[best]![col]!) < 1e-12) {
      active[col] = false;
      continue;
    }
    [mat[col], mat[best]] = [mat[best]!, mat[col]!];
    [rhs[col], rhs[best]] = [rhs[best]!, rhs[col]!];
    const pivotRow = mat[col]!;
    for (let r = col + 1; r < n; r++) {
      const row = mat[r]!;
      const f = row[col]! / pivotRow[col]!;
      if (f === 0) continue;
      for (let k = col; k < n; k++) row[k]! -= f * pivotRow[k]!;
      rhs[r]! -= f * rhs[col]!;
    }
  }
  const y = new Array<number>(n).fill(0);
  for (let col = n - 1; col >= 0; col--) {
    if (!active[col]) continue;
    const row = mat[col]!;
    let s = rhs[col]!;
    for (let k = col + 1; k < n; k++) s -= row[k]! * y[k]!;
    y[col] = s / row[col]!;
  }
  return y;
}
