import { runCommand } from './main';

void runCommand('snapshot', (runtime) => runtime.snapshot());
