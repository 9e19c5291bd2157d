import { processTrigger } from './process-trigger.ts';

export default processTrigger('trigger.processStarted', 'Process started', 'process.started', 'process');
