/** Thrown by a port wrapped with `crashing`: stands for the process dying at that point. */
export class InjectedCrash extends Error {
  constructor(readonly at: number) {
    super(`injected crash at port call ${at}`);
    this.name = 'InjectedCrash';
  }
}

/**
 * Counts calls across every wrapped port and fails the `crashAt`-th one before it happens, so a
 * test can kill a run between any two steps and check what a rerun makes of it.
 */
export class CrashPlan {
  calls = 0;
  /** The port method the crash hit, e.g. "markSent". */
  crashedIn: string | undefined;

  constructor(readonly crashAt: number) {}

  wrap<T extends object>(port: T): T {
    return new Proxy(port, {
      get: (target, key, receiver) => {
        const value: unknown = Reflect.get(target, key, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          this.calls++;
          if (this.calls === this.crashAt) {
            this.crashedIn = String(key);
            throw new InjectedCrash(this.calls);
          }
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  }
}
