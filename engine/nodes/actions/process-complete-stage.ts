import { processStageAction } from './process-stage.ts';

/** X2FlowWorkflowCompleteStage: complete a stage of a process on the current record. */
export default processStageAction('complete');
