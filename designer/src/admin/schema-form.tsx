/** An rjsf form (the library the designer uses) whose API field errors show on their fields. */
import Form from '@rjsf/mantine';
import type { ErrorSchema, RJSFSchema, UiSchema } from '@rjsf/utils';
import { useState } from 'react';
import { fail, fieldErrors } from '../console/console-api.ts';
import { formValidator } from '../model/form-validator.ts';

export function SchemaForm<T extends object>({
  schema,
  uiSchema,
  data,
  onSubmit,
  submitLabel = 'Save',
}: {
  schema: RJSFSchema;
  uiSchema?: UiSchema;
  data: T;
  onSubmit: (data: T) => Promise<unknown>;
  submitLabel?: string;
}) {
  const [extraErrors, setExtraErrors] = useState<ErrorSchema>({});
  return (
    <Form
      schema={schema}
      uiSchema={{ ...uiSchema, 'ui:submitButtonOptions': { submitText: submitLabel } }}
      formData={data}
      validator={formValidator}
      extraErrors={extraErrors}
      showErrorList={false}
      noHtml5Validate
      onSubmit={async (event) => {
        setExtraErrors({});
        try {
          await onSubmit(event.formData as T);
        } catch (error) {
          const byField = fieldErrors(error);
          if (Object.keys(byField).length === 0) fail(error);
          setExtraErrors(
            Object.fromEntries(
              Object.entries(byField).map(([field, reason]) => [field, { __errors: [reason] }]),
            ) as ErrorSchema,
          );
        }
      }}
    />
  );
}
