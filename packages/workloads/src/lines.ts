/** One non-blank line of a text file, with its 1-based line number. */
export interface NumberedLine {
  line: number;
  text: string;
}

/** Splits text on LF or CRLF (a final newline is optional) and drops blank lines. */
export function numberedLines(text: string): NumberedLine[] {
  const out: NumberedLine[] = [];
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    let t = raw[i]!;
    if (t.endsWith('\r')) t = t.slice(0, -1);
    if (i === 0 && t.startsWith('\uFEFF')) t = t.slice(1);
    if (t.trim() !== '') out.push({ line: i + 1, text: t });
  }
  return out;
}

/**
 * Splits one CSV line into fields (RFC 4180 quoting: `"a, b"` and `""` inside quotes). Fields do
 * not span lines. Returns undefined when a quote is left open.
 */
export function splitCsvLine(text: string): string[] | undefined {
  if (!text.includes('"')) return text.split(',');
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  if (quoted) return undefined;
  fields.push(field);
  return fields;
}
