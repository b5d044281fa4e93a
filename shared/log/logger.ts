/**
 * The one logging port: Functions' InvocationContext and the CLI's console both fit it. A line is a
 * short message plus, optionally, its ids and counts as fields (`log.info('handed over', { jobs })`;
 * values from outside go in fields, never in the message); `childLogger` adds the ids that hold for a
 * whole job. The fields are written after the message as one JSON object (`message {"jobs":3}`):
 * @azure/functions v4 formats whatever context.log is given into one string (util.format) before the
 * host sees it, so Application Insights gets no customDimensions from the app; the README's KQL reads
 * the fields with parse_json on that trailing object.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { CONTROL_SOURCE, invisibleCharacters, LONE_SURROGATE } from '../text/invisible';

export type LogValue =
  string | number | boolean | null | undefined | readonly LogValue[] | { readonly [key: string]: LogValue };

export type LogFields = Readonly<Record<string, LogValue>>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** `message {"field":...}`: the form every sink writes. */
export function formatLine(message: string, fields: LogFields | undefined): string {
  if (!fields) return message;
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  return Object.keys(defined).length > 0 ? `${message} ${JSON.stringify(defined)}` : message;
}

/**
 * A logger whose every line also carries `fields` (ids that hold for a whole job), before the line's
 * own fields; a line's own field of the same name wins.
 */
export function childLogger(log: Logger, fields: LogFields): Logger {
  const merged = (own: LogFields | undefined): LogFields => ({ ...fields, ...own });
  return {
    info: (m, f) => log.info(m, merged(f)),
    warn: (m, f) => log.warn(m, merged(f)),
    error: (m, f) => log.error(m, merged(f)),
  };
}

/** For the command line: info to stderr so stdout stays for the JSON summary line. */
export const consoleLogger: Logger = {
  info: (m, f) => console.error(formatLine(m, f)),
  warn: (m, f) => console.error(`WARN ${formatLine(m, f)}`),
  error: (m, f) => console.error(`ERROR ${formatLine(m, f)}`),
};

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Collects lines; used by tests to assert what an admin would read. */
export class MemoryLogger implements Logger {
  readonly lines: string[] = [];
  info(m: string, f?: LogFields): void {
    this.lines.push(`INFO ${formatLine(m, f)}`);
  }
  warn(m: string, f?: LogFields): void {
    this.lines.push(`WARN ${formatLine(m, f)}`);
  }
  error(m: string, f?: LogFields): void {
    this.lines.push(`ERROR ${formatLine(m, f)}`);
  }
  text(): string {
    return this.lines.join('\n');
  }
}

const current = new AsyncLocalStorage<Logger>();

/**
 * A logger for clients that live as long as the process: each line goes to the logger of the
 * invocation it is written in (runWithLogger), so concurrent queue invocations keep their own logs.
 */
export function routedLogger(fallback: Logger): Logger {
  const target = (): Logger => current.getStore() ?? fallback;
  return {
    info: (m, f) => target().info(m, f),
    warn: (m, f) => target().warn(m, f),
    error: (m, f) => target().error(m, f),
  };
}

export function runWithLogger<T>(log: Logger, work: () => Promise<T>): Promise<T> {
  return current.run(log, work);
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
