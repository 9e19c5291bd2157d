/**
 * Monaco with its workers from the bundle (no CDN: the network may be closed) and the flow
 * schema registered for JSON models under weft://flow/; TypeScript for code steps (their
 * typings are set by the code step editor). Imported only by lazy chunks.
 */
import * as monaco from 'monaco-editor';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import HtmlWorker from 'monaco-editor/language/html/html.worker?worker';
import JsonWorker from 'monaco-editor/language/json/json.worker?worker';
import TsWorker from 'monaco-editor/language/typescript/ts.worker?worker';
import { dropdownBody } from '../../../schemas/dropdowns.ts';
import { flowSchema } from '../../../schemas/flow.ts';
import { layoutBody } from '../../../schemas/layout.ts';
import { moduleDefinitionBody } from '../../../schemas/modules.ts';

self.MonacoEnvironment = {
  // HTML for email templates (designer/src/marketing/html-editor.tsx), TypeScript for code steps.
  getWorker: (_id: string, label: string) =>
    label === 'json'
      ? new JsonWorker()
      : label === 'html'
        ? new HtmlWorker()
        : label === 'typescript' || label === 'javascript'
          ? new TsWorker()
          : new EditorWorker(),
};

/** The JSON view's model: the one the flow schema applies to. */
export const flowModelUri = monaco.Uri.parse('weft://flow/definition.json');

monaco.json.jsonDefaults.setDiagnosticsOptions({
  validate: true,
  allowComments: false,
  enableSchemaRequest: false,
  schemas: [
    { uri: flowSchema.$id, fileMatch: [flowModelUri.toString()], schema: flowSchema },
    // Studio's JSON view of a module: its fields, as PUT /api/modules/:name/definition takes them.
    {
      uri: 'https://weft.dev/schemas/module-fields.json',
      fileMatch: ['weft://module/*'],
      schema: moduleDefinitionBody.properties.fields,
    },
    // Studio's JSON view of a dropdown and of a layout, as their PATCH / PUT take them.
    { uri: 'https://weft.dev/schemas/dropdown.json', fileMatch: ['weft://dropdown/*'], schema: dropdownBody },
    { uri: 'https://weft.dev/schemas/layout.json', fileMatch: ['weft://layout/*'], schema: layoutBody },
  ],
});

// Code steps run in QuickJS: the language's own library, no DOM, no Node.
monaco.typescript.typescriptDefaults.setCompilerOptions({
  target: monaco.typescript.ScriptTarget.ESNext,
  lib: ['es2022'],
  strict: true,
  noEmit: true,
  allowNonTsExtensions: true,
});
monaco.typescript.typescriptDefaults.setDiagnosticsOptions({
  noSemanticValidation: false,
  noSyntaxValidation: false,
  // The code is a function's body: a top-level return and await are what it is made of.
  diagnosticCodesToIgnore: [1108, 1375, 1378, 80005],
});

export { monaco };
