/**
 * Reads counters from Prometheus `/metrics` pages (balancers' admission counters, gateways'
 * request outcomes): the sum of every sample of a metric whose labels include the given ones.
 */

/** Sum of `name`'s samples in a Prometheus text page whose labels contain `labels`. */
export function sumSamples(
  text: string,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  let sum = 0;
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    const labelText = rest[0] === '{' ? rest.slice(1, rest.indexOf('}')) : '';
    if (!wanted.every((w) => labelText.split(',').includes(w))) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}

/** Fetches a page; undefined when it cannot be read within `timeoutMs`. */
export async function fetchMetrics(url: string, timeoutMs = 2000): Promise<string | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    return res.ok ? text : undefined;
  } catch {
    return undefined;
  }
}

/** What the dashboard reads from the pages it was given. */
export interface Scraped {
  /** Shed by balancers (`adagen_admission_total{outcome="shed"}`), when a balancer page was read. */
  shed?: number;
  /** Deadline failures at gateways (`adagen_requests_total{outcome="deadline_exceeded"}`). */
  abandoned?: number;
  /** `adagen_recommended_instances`, when a recommender page was read. */
  recommended?: number;
}

/** Scrapes every page once; a page that cannot be read leaves its figures out. */
export async function scrapeAll(
  urls: readonly string[],
  recommenderUrl?: string,
): Promise<Scraped> {
  const pages = await Promise.all(urls.map((u) => fetchMetrics(u)));
  const out: Scraped = {};
  for (const page of pages) {
    if (page === undefined) continue;
    if (page.includes('adagen_admission_total'))
      out.shed = (out.shed ?? 0) + sumSamples(page, 'adagen_admission_total', { outcome: 'shed' });
    if (page.includes('adagen_requests_total'))
      out.abandoned =
        (out.abandoned ?? 0) +
        sumSamples(page, 'adagen_requests_total', { outcome: 'deadline_exceeded' });
  }
  if (recommenderUrl !== undefined) {
    const page = await fetchMetrics(recommenderUrl);
    if (page !== undefined && page.includes('adagen_recommended_instances'))
      out.recommended = sumSamples(page, 'adagen_recommended_instances');
  }
  return out;
}
