/**
 * Monaco with its workers from the bundle (no CDN: the network may be closed) and the flow
 * schema registered for JSON models under weft://flow/. Imported only by lazy chunks.
 */
import * as monaco from 'monaco-editor';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import HtmlWorker from 'monaco-editor/language/html/html.worker?worker';
import JsonWorker from 'monaco-editor/language/json/json.worker?worker';
import { flowSchema } from '../../../schemas/flow.ts';

self.MonacoEnvironment = {
  // HTML for email templates (designer/src/marketing/html-editor.tsx).
  getWorker: (_id: string, label: string) =>
    label === 'json' ? new JsonWorker() : label === 'html' ? new HtmlWorker() : new EditorWorker(),
};

/** The JSON view's model: the one the flow schema applies to. */
export const flowModelUri = monaco.Uri.parse('weft://flow/definition.json');

monaco.json.jsonDefaults.setDiagnosticsOptions({
  validate: true,
  allowComments: false,
  enableSchemaRequest: false,
  schemas: [{ uri: flowSchema.$id, fileMatch: [flowModelUri.toString()], schema: flowSchema }],
});

export { monaco };
