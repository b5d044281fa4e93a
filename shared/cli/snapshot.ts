import { runCommand } from './main';

void runCommand('snapshot', (runtime) => runtime.runStage('snapshot', () => runtime.snapshot()));
