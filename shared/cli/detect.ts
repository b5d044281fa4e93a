import { runCommand } from './main';

void runCommand('detect', (runtime) => runtime.detect());
