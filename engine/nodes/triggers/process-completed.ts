import { processTrigger } from './process-trigger.ts';

export default processTrigger(
  'trigger.processCompleted',
  'Process completed',
  'process.completed',
  'process',
);
