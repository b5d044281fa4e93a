import { runCommand } from './main';

void runCommand('detect', (runtime) => runtime.runStage('detection', () => runtime.detect()));
