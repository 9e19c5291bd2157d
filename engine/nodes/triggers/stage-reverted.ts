import { processTrigger } from './process-trigger.ts';

export default processTrigger(
  'trigger.stageReverted',
  'Process stage reverted',
  'process.stageReverted',
  'stage',
);
