import { CONTROL_SOURCE, invisibleCharacters, LONE_SURROGATE } from '../text/invisible';

/** The one logging port: Functions' InvocationContext and the CLI's console both fit it. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** For the command line: info to stderr so stdout stays for the JSON summary line. */
export const consoleLogger: Logger = {
  info: (m) => console.error(m),
  warn: (m) => console.error(`WARN ${m}`),
  error: (m) => console.error(`ERROR ${m}`),
};

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Collects lines; used by tests to assert what an admin would read. */
export class MemoryLogger implements Logger {
  readonly lines: string[] = [];
  info(m: string): void {
    this.lines.push(`INFO ${m}`);
  }
  warn(m: string): void {
    this.lines.push(`WARN ${m}`);
  }
  error(m: string): void {
    this.lines.push(`ERROR ${m}`);
  }
  text(): string {
    return this.lines.join('\n');
  }
}

const CONTROLS = new RegExp(`[${CONTROL_SOURCE}]`, 'g');
const INVISIBLE = invisibleCharacters();

/**
 * The one filter for outside values in log lines: controls and line breaks (CR, LF, NEL, U+2028/9)
 * shown as `?`, so no value can start a forged log line; invisible characters (zero-width, bidi
 * overrides, tags, fillers) removed, so what the admin reads is what is there; lone surrogates shown
 * as `?`; cut to `max` code points (never inside a surrogate pair), `...` marking the cut.
 */
export function printable(value: string, max = 80): string {
  const raw = String(value);
  // Bounded work for a huge value: look at a generous head only (invisible characters may pad it).
  const limit = max * 16 + 64;
  const head = raw.length > limit ? raw.slice(0, limit) : raw;
  const clean = head.replace(CONTROLS, '?').replace(INVISIBLE, '').replace(LONE_SURROGATE, '?');
  const codePoints = Array.from(clean);
  if (codePoints.length > max) return `${codePoints.slice(0, max).join('')}...`;
  return head.length < raw.length ? `${clean}...` : clean;
}
