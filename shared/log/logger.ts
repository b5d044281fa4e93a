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

/** For log lines about hostile values: control characters shown as ?, bounded length. */
export function printable(value: string, max = 80): string {
  const clean = value.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}...` : clean;
}
