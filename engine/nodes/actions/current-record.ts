import { NonRetriableError } from '../../runtime/errors.ts';

/** The record a run is about, as triggers put it in `record`: its values plus `module` and `id`. */
export function currentRecord(record: unknown): {
  module: string;
  id: string;
  values: Record<string, unknown>;
} {
  const values = (record ?? {}) as Record<string, unknown>;
  if (typeof values.module !== 'string' || typeof values.id !== 'string') {
    throw new NonRetriableError('this step needs a current record, and the run has none');
  }
  return { module: values.module, id: values.id, values };
}
