/** `YYYY-MM-DD HH:mm:ss` in an IANA time zone, and back (for the archive text). */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function parts(date: Date, timeZone: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(date)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export function formatZoned(date: Date, timeZone: string): string {
  const p = parts(date, timeZone);
  return `${pad(p['year']!, 4)}-${pad(p['month']!)}-${pad(p['day']!)} ${pad(p['hour']!)}:${pad(p['minute']!)}:${pad(p['second']!)}`;
}

/** The instant a local `YYYY-MM-DD HH:mm:ss` names in `timeZone` (DST gaps resolve forward). */
export function parseZoned(text: string, timeZone: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) throw new Error(`not a timestamp: ${text}`);
  const asUtc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  let guess = asUtc;
  for (let i = 0; i < 2; i++) {
    const p = parts(new Date(guess), timeZone);
    const shown = Date.UTC(p['year']!, p['month']! - 1, p['day']!, p['hour']!, p['minute']!, p['second']!);
    guess += asUtc - shown;
  }
  return new Date(guess);
}
