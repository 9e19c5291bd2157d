import type { FromSchema } from 'json-schema-to-ts';
import { conditionsParam, defineTriggerNode, recordInput } from '../define.ts';

const params = {
  type: 'object',
  properties: {
    formId: {
      type: 'string',
      format: 'uuid',
      title: 'Form',
      // Picked by name in the designer; a form that does not exist is a publish problem.
      'x-weft-ref': 'form',
      description: 'Only this form’s submissions (any form when empty)',
    },
    conditions: conditionsParam,
  },
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: {
    formId: { type: 'string' },
    formName: { type: 'string' },
    submissionId: { type: 'string' },
    values: { type: 'object', title: 'The submitted values, by the form’s field names' },
    outcome: { type: 'string', title: 'created, updated, duplicate, skipped or case-created' },
    contactId: { type: 'string' },
    caseNumber: { type: 'integer' },
    module: { type: 'string' },
    recordId: { type: 'string' },
    eventId: { type: 'integer' },
  },
  additionalProperties: false,
} as const;

/**
 * A web form was submitted and its record written (X2CRM's WebleadTrigger): the run's record
 * is the contact of a web lead, or the case of a service-case form.
 */
export default defineTriggerNode<FromSchema<typeof params>>({
  type: 'trigger.webformSubmitted',
  title: 'Web form submitted',
  category: 'Connectors',
  description: 'A visitor submitted a web-lead or service-case form; filter by form.',
  params,
  output,
  providesRecord: true,
  events: ['webform.submitted'],
  moduleOf: () => null,
  match: (event, params) => {
    if (params.formId && event.payload.formId !== params.formId) return null;
    const input = recordInput(event);
    const { formId, formName, submissionId, values, outcome, contactId, caseNumber } = event.payload;
    return {
      ...input,
      trigger: {
        ...(input.trigger as object),
        formId,
        formName,
        submissionId,
        values,
        outcome,
        contactId,
        ...(caseNumber !== undefined ? { caseNumber } : {}),
      },
    };
  },
});
