import { processTrigger } from './process-trigger.ts';

export default processTrigger(
  'trigger.stageStarted',
  'Process stage started',
  'process.stageStarted',
  'stage',
);
