/** The benchmark's handle on the simulator child process (simHost.ts). */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { SimCommand, SimReply, SimResponseEnvelope } from './simProtocol';

export class SimProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: SimResponseEnvelope) => {
      const entry = this.waiting.get(message.id);
      if (!entry) return;
      this.waiting.delete(message.id);
      if (message.ok) entry.resolve(message.result);
      else entry.reject(new Error(`simulator: ${message.error}`));
    });
    child.on('exit', (code) => {
      for (const entry of this.waiting.values()) entry.reject(new Error(`simulator process exited with ${code}`));
      this.waiting.clear();
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Forks simHost.js (beside this file in dist/) and waits until the four services listen. */
  static async start(): Promise<SimProcess> {
    const child = fork(join(__dirname, 'simHost.js'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: [],
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('simulator did not start within 30 s')), 30_000);
      child.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code) => reject(new Error(`simulator exited with ${code} while starting`)));
    });
    return new SimProcess(child);
  }

  call<C extends SimCommand>(command: C): Promise<SimReply<C>> {
    const id = this.nextId++;
    return new Promise<SimReply<C>>((resolve, reject) => {
      this.waiting.set(id, { resolve: (value) => resolve(value as SimReply<C>), reject });
      this.child.send({ id, command });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    await this.call({ op: 'stop' }).catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGTERM'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
