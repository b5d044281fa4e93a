import type { DoctorCheck } from '../checks/check';
import type { ProblemState } from './problems';

/** The problems the product itself has recorded and not yet seen end. */
export const healthCheck: DoctorCheck<{ health(): Promise<{ states(): Promise<ProblemState[]> }> }> = {
  name: 'health (problems the product has seen)',
  needs: (ctx) => (ctx.passed('storage') ? [] : ['working storage (see storage)']),
  run: async ({ runtime }) => {
    const open = (await (await runtime.health()).states()).filter((s) => s.status === 'open');
    if (open.length === 0) return 'no open problems';
    throw new Error(
      `${open.length} open: ${open.map((p) => `${p.problem} since ${p.since} (${p.count} run${p.count === 1 ? '' : 's'}): ${p.reason}`).join(' | ')}`,
    );
  },
};
