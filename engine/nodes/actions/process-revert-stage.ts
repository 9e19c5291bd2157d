import { processStageAction } from './process-stage.ts';

/** X2FlowWorkflowRevertStage: revert a stage of a process on the current record. */
export default processStageAction('revert');
