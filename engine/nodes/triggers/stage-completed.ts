import { processTrigger } from './process-trigger.ts';

export default processTrigger(
  'trigger.stageCompleted',
  'Process stage completed',
  'process.stageCompleted',
  'stage',
);
